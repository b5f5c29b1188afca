package tlsx

import (
	"os/exec"
	"testing"
)

// lookTool is the path of the peer program name, or skips the test,
// naming the Debian package that provides it, when it is not installed.
func lookTool(t *testing.T, name, debianPkg string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (Debian package %s)", name, debianPkg)
	}
	return bin
}
