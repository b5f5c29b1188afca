package dashboard

import (
	_ "embed"

	"github.com/seed947b3480/legation/servers/httpd"
)

//go:generate go run gen.go

// pageGz is page.html compressed by gen.go ("go generate"). It goes out
// as it is to browsers, which all accept gzip; TestPageGzipCurrent fails
// when it no longer matches page.html.
//
//go:embed page.html.gz
var pageGz []byte

func mustPage() *httpd.Static {
	st, err := httpd.NewStatic("text/html; charset=utf-8", pageGz)
	if err != nil {
		panic("dashboard: embedded page.html.gz: " + err.Error()) // a build defect, caught by the tests
	}
	return st
}
