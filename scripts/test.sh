#!/usr/bin/env bash
# Runs every test legation has, after installing the Debian packages the
# tests use (scripts/deps.sh, as root; LEGATION_NO_DEPS=1 skips it):
# formatting and vet, the unit and interop tests (the TAP and QEMU ones
# need root and those packages; without them they skip and say why), the wire/stack/udp
# tests as big-endian MIPS and 32-bit ARM binaries under qemu-user, each fuzz
# target briefly, and the examples end to end. Artifacts (the dashboard
# screenshot) go to ./artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"
# A count, not a duration: a duration races Go 1.26's fuzz coordinator at its
# deadline and fails with a bare "context deadline exceeded" (go.dev/issue/75804).
FUZZTIME="${FUZZTIME:-10000x}"
# Tests that make artifacts (the dashboard's screenshot) keep them here.
export LEGATION_ARTIFACTS="${LEGATION_ARTIFACTS:-$PWD/artifacts}"
mkdir -p "$LEGATION_ARTIFACTS"

step() { printf '\n== %s\n' "$*"; }

if [ -z "${LEGATION_NO_DEPS:-}" ]; then
  step "Debian packages the tests use"
  ./scripts/deps.sh
fi

step "gofmt"
bad=$(gofmt -l .)
if [ -n "$bad" ]; then echo "not gofmt-clean:"; echo "$bad"; exit 1; fi

step "go vet (amd64, mips, arm)"
go vet ./...
GOARCH=mips go vet ./...
GOARCH=arm GOARM=7 go vet ./...

step "go test -race"
go test -race -count=1 ./...

cross=(./wire/... ./stack/... ./stream/... ./tlsx/... ./internal/http1 ./internal/footprint ./examples/device/app ./udp/... ./tcp/... ./dns/... ./clients/... ./servers/... ./reactor/... ./hal ./hal/loopback ./hal/fault ./hal/pcap ./hal/observe ./hal/trace ./hal/ringdev)
for arch in mips arm; do
  emu=qemu-$arch-static
  if command -v "$emu" >/dev/null; then
    step "go test as GOARCH=$arch under $emu"
    GOARCH=$arch GOARM=7 go test -count=1 -exec "$emu" "${cross[@]}"
  else
    echo "SKIP: $emu not installed (apt-get install qemu-user-static); cross-arch tests not run"
  fi
done

if [ -f bench/go.mod ]; then
  step "bench module: interop with peers from other modules"
  (cd bench && go vet ./... && go test -count=1 ./...)
fi

step "fuzz each target for $FUZZTIME executions"
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "-- $pkg $f"
    go test -run='^$' -fuzz="^$f\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=10x "$pkg" >/tmp/legation-fuzz.log 2>&1 || { cat /tmp/legation-fuzz.log; exit 1; }
  done
done

step "examples on the loopback link"
go run ./examples/echo -n 3 -stats
go run ./examples/echo -n 1 -dhcp
go run ./examples/resolve demo.legation.test
go run ./examples/sntp
go run ./examples/httpget http://192.168.7.1/ >/dev/null
go run ./examples/httpget http://www.legation.test/redirect >/dev/null
go run ./examples/httpget https://www.legation.test/hello >/dev/null
go run ./examples/httpget -insecure https://192.168.7.1/ >/dev/null
go run ./examples/mqtt pub -t legation/demo/x -m hello -q 2
go run ./examples/mqtt sub -t 'legation/#' -q 1 -C 3

echo
echo "all tests passed"
