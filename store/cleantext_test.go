package store

import "testing"

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain text": "plain text", "Ünïcødé 🚀": "Ünïcødé 🚀", "a\x00b": "ab", "red\x1b[31m": "red[31m",
		"c1\u0085x": "c1x", "tag\u202eevil": "tagevil", "iso\u2066late\u2069": "isolate", "tab\tnew\nline": "tab\tnew\nline",
		"<script>": "<script>",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q): got %q, want %q", in, got, want)
		}
	}
}
