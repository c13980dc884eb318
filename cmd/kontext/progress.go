package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress reports a long run: on a terminal one line redrawn in place with
// counts, rate and ETA; otherwise a plain line every few seconds.
type progress struct {
	w          io.Writer
	tty        bool
	width      int
	files      int
	bytes      int64
	doneFiles  int
	doneBytes  int64
	chunks     int
	start      time.Time
	lastRender time.Time
	every      time.Duration
}

func newProgress(w io.Writer, files int, bytes int64) *progress {
	p := &progress{w: w, files: files, bytes: bytes, start: time.Now(), every: 5 * time.Second, width: 80}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty, p.every = true, 100*time.Millisecond
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 20 {
			p.width = width
		}
	}
	return p
}

// update adds finished files and bytes and sets the chunk count.
func (p *progress) update(files int, bytes int64, chunks int) {
	p.doneFiles += files
	p.doneBytes += bytes
	p.chunks = chunks
	if time.Since(p.lastRender) >= p.every || p.doneFiles == p.files {
		p.render()
	}
}

func (p *progress) line() string {
	elapsed := time.Since(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.chunks) / elapsed
	}
	eta := "--:--"
	if p.doneBytes > 0 && p.bytes > p.doneBytes {
		remaining := time.Duration(elapsed / float64(p.doneBytes) * float64(p.bytes-p.doneBytes) * float64(time.Second))
		eta = fmtDuration(remaining)
	} else if p.doneFiles == p.files {
		eta = "0:00"
	}
	return fmt.Sprintf("files %d/%d  chunks %d  %.1f chunks/s  ETA %s", p.doneFiles, p.files, p.chunks, rate, eta)
}

func (p *progress) render() {
	p.lastRender = time.Now()
	text := p.line()
	if !p.tty {
		fmt.Fprintln(p.w, "progress:", text)
		return
	}
	barWidth := p.width - len(text) - 4
	if barWidth > 40 {
		barWidth = 40
	}
	bar := ""
	if barWidth >= 10 && p.files > 0 {
		filled := barWidth * p.doneFiles / p.files
		bar = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "] "
	}
	fmt.Fprintf(p.w, "\r\033[K%s%s", bar, text)
}

// done ends the progress display.
func (p *progress) done() {
	if p.files == 0 {
		return
	}
	if p.tty {
		p.render()
		fmt.Fprintln(p.w)
	} else if p.lastRender.IsZero() || p.doneFiles != p.files {
		p.render()
	}
}

func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
