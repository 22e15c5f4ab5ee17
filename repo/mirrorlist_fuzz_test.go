package repo

import (
	"bytes"
	"testing"
)

func FuzzParseMirrorLists(f *testing.F) {
	f.Add([]byte("# c\nhttp://mirror.example.org/a/\n"))
	f.Add([]byte(`<metalink><files><file><resources><url>https://mirror.example.org/r/repodata/repomd.xml</url></resources></file></files></metalink>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseMirrorList(bytes.NewReader(data))
		urls, err := parseMetalink(bytes.NewReader(data))
		if err == nil {
			for _, u := range urls {
				if u == "" {
					t.Fatal("got an empty url")
				}
			}
		}
	})
}
