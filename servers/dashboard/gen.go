//go:build ignore

// gen compresses page.html into page.html.gz, the page the dashboard
// embeds. Run it with "go generate" in this directory after editing the
// page. The output depends on nothing but the input (no name, no time in
// the gzip header), so it is the same on every machine.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"log"
	"os"
)

func main() {
	src, err := os.ReadFile("page.html")
	if err != nil {
		log.Fatal(err)
	}
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := zw.Write(src); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("page.html.gz", out.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("page.html: %d bytes, page.html.gz: %d bytes\n", len(src), out.Len())
}
