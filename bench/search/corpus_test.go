package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

const translationDE = `Package: 0ad
Description-md5: d943033bedada21853d2ae54a2578a7b
Description-de: Echtzeit-Strategiespiel über antike Kriegsführung
 0 A.D. ist ein freies, quelloffenes, plattformübergreifendes
 Echtzeit-Strategiespiel (RTS) über antike Kriegsführung.
 .
 Dieses Paket enthält die Datendateien.

Package: 0ad-data
Description-md5: 26581e685027d5ae84824362a4ba59ee
Description-de: Daten
 Dieses  Paket enthält die DATENDATEIEN.
 .
 Kurz.

Package: zsh
Description-md5: 1f2e3d4c5b6a79881f2e3d4c5b6a7988
Description-de: Shell mit vielen Funktionen
 Zsh ist eine UNIX-Kommando-Shell, die sich interaktiv
 und als Skript-Interpreter nutzen lässt.
`

func TestReadTranslation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Translation-de")
	if err := os.WriteFile(path, []byte(translationDE), 0o644); err != nil {
		t.Fatal(err)
	}
	docs, synopses, err := readTranslation(path, "de", map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	// 0ad-data has no paragraph left: its first repeats 0ad's (case and
	// spaces aside), its second has fewer than four words.
	var titles []string
	for _, d := range docs {
		titles = append(titles, d.title)
		if d.lang != "de" {
			t.Errorf("%s: language %q; want de", d.title, d.lang)
		}
	}
	if !slices.Equal(titles, []string{"0ad", "zsh"}) {
		t.Fatalf("documents %q; want [0ad zsh]", titles)
	}
	want := []string{
		"0 A.D. ist ein freies, quelloffenes, plattformübergreifendes Echtzeit-Strategiespiel (RTS) über antike Kriegsführung.",
		"Dieses Paket enthält die Datendateien.",
	}
	if !slices.Equal(docs[0].chunks, want) {
		t.Errorf("0ad chunks %q; want %q", docs[0].chunks, want)
	}
	if len(docs[1].chunks) != 1 {
		t.Errorf("zsh chunks %q; want one paragraph", docs[1].chunks)
	}
	if !slices.Equal(synopses, []string{"Echtzeit-Strategiespiel über antike Kriegsführung", "Shell mit vielen Funktionen"}) {
		t.Errorf("synopses %q", synopses)
	}
}

func TestAssignShares(t *testing.T) {
	docs := make([]document, 200)
	for i := range docs {
		docs[i].chunks = make([]string, 5)
	}
	assign(docs)
	count := map[string]int{}
	for _, d := range docs {
		for _, g := range d.groups {
			if d.tenant == "big" {
				count[g] += len(d.chunks)
			}
		}
		count[d.tenant] += len(d.chunks)
	}
	// 1,000 chunks: 1% in "one", 10% in "ten", 90% in the big tenant.
	if count["one"] != 10 || count["ten"] != 100 || count["big"] != 900 || count["all"] != 900 ||
		count["small1"] != 50 || count["small2"] != 50 {
		t.Errorf("shares %v", count)
	}
}
