package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"healthcms/cms/store"
)

// exportFormat and exportVersion name what `cms export` writes. A reader
// refuses a newer version: it cannot know what it would drop.
const (
	exportFormat  = "healthcms-export"
	exportVersion = 1
)

// exportHeader is the first line of an export.
type exportHeader struct {
	Format    string           `json:"format"`
	Version   int              `json:"version"`
	CreatedAt string           `json:"created_at"`
	Dialect   string           `json:"dialect"`
	Tables    store.DumpCounts `json:"tables"`
}

// exportLine is every other line: one row, or the end.
type exportLine struct {
	Table string         `json:"table,omitempty"`
	Row   map[string]any `json:"row,omitempty"`
	// End closes the export with its row count, so a cut-off file is
	// refused rather than half imported.
	End *int64 `json:"end,omitempty"`
}

// export writes the database as JSON lines on stdout (see store.DumpTables
// for what is left out).
func (e *env) export(args []string) error {
	cfg, rest, err := e.flags("export", args, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("usage: cms export > FILE")
	}
	db, err := e.openDB(cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	out := bufio.NewWriterSize(e.stdout, 1<<20)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	now := time.Now().UTC().Truncate(time.Microsecond)
	at := now.Format("2006-01-02T15:04:05.000000Z")
	var p *progress
	var n int64
	err = db.Export(e.ctx, now, func(c store.DumpCounts) error {
		p = e.newProgress("exported", c)
		return enc.Encode(exportHeader{Format: exportFormat, Version: exportVersion, CreatedAt: at, Dialect: db.Dialect(), Tables: c})
	}, func(table string, row map[string]any) error {
		n++
		p.add(table)
		return enc.Encode(exportLine{Table: table, Row: row})
	})
	if err != nil {
		return err
	}
	if err := enc.Encode(exportLine{End: &n}); err != nil {
		return err
	}
	p.done()
	return out.Flush()
}

// importCmd reads an export from stdin into an empty database, in one
// transaction: on any error nothing is stored.
func (e *env) importCmd(args []string) error {
	cfg, rest, err := e.flags("import", args, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("usage: cms import < FILE")
	}
	in := bufio.NewReaderSize(e.stdin, 1<<20)
	first, err := in.ReadBytes('\n')
	if err != nil && !(errors.Is(err, io.EOF) && len(first) > 0) {
		return errors.New("the input is empty: want the output of cms export")
	}
	var h exportHeader
	if json.Unmarshal(first, &h) != nil || h.Format != exportFormat {
		return errors.New("the input is not a healthcms export (its first line is not its header)")
	}
	if h.Version > exportVersion || h.Version < 1 {
		return fmt.Errorf("the export is format version %d; this cms reads version %d: import it with a newer cms", h.Version, exportVersion)
	}
	db, err := e.openDB(cfg, true) // imports apply migrations themselves
	if err != nil {
		return err
	}
	defer db.Close()
	im, err := db.BeginImport(e.ctx)
	if err != nil {
		return err
	}
	defer im.Rollback()
	p := e.newProgress("imported", h.Tables)
	var n int64
	var newSecrets []string
	// Lines are read and decoded on another goroutine, ahead of the
	// writer: decoding JSON was a third of an import's time on SQLite.
	lines := make(chan decodedLine, 256)
	stop := make(chan struct{})
	defer close(stop)
	go decodeLines(in, lines, stop)
	for line := 2; ; line++ {
		d := <-lines
		switch {
		case d.cutShort:
			return errors.New("the export is cut short (no end line): nothing imported")
		case d.readErr != nil:
			return d.readErr
		case d.decodeErr != nil:
			return fmt.Errorf("line %d: %v: nothing imported", line, d.decodeErr)
		}
		l := d.line
		if l.End != nil {
			if *l.End != n {
				return fmt.Errorf("line %d: the export ends after %d rows but holds %d: nothing imported", line, *l.End, n)
			}
			break
		}
		if l.Table == "" || l.Row == nil {
			return fmt.Errorf("line %d: neither a row nor the end: nothing imported", line)
		}
		if l.Table == "webhooks" && l.Row["secret"] == nil {
			s := make([]byte, 24)
			rand.Read(s)
			l.Row["secret"] = hex.EncodeToString(s)
			newSecrets = append(newSecrets, fmt.Sprintf("webhook %v (%v): the export holds no secret; its new signing secret is %s", l.Row["id"], l.Row["url"], l.Row["secret"]))
		}
		if err := im.Row(e.ctx, l.Table, l.Row); err != nil {
			return fmt.Errorf("line %d: %v: nothing imported", line, err)
		}
		n++
		p.add(l.Table)
	}
	if err := im.Commit(e.ctx); err != nil {
		return err
	}
	p.done()
	for _, s := range newSecrets {
		fmt.Fprintln(e.stderr, s)
	}
	fmt.Fprintf(e.stderr, "imported %d rows; users have no password until `cms user set-password`, and API keys come revoked\n", n)
	return nil
}

// decodedLine is one line of an export as decodeLines read it.
type decodedLine struct {
	line exportLine
	// cutShort is the input's end before the end line.
	cutShort           bool
	readErr, decodeErr error
}

// decodeLines sends every line of in, decoded, until the end line, an
// error, or stop. Lines are decoded side by side, one per CPU (decoding
// an export's JSON took as long as storing it), and sent in order.
func decodeLines(in *bufio.Reader, out chan<- decodedLine, stop <-chan struct{}) {
	pending := make(chan chan decodedLine, 4*runtime.NumCPU())
	go func() { // in order, each once decoded
		for f := range pending {
			d := <-f
			select {
			case out <- d:
			case <-stop:
				return
			}
			if d.cutShort || d.readErr != nil || d.decodeErr != nil || d.line.End != nil {
				return
			}
		}
	}()
	defer close(pending)
	workers := make(chan struct{}, runtime.NumCPU())
	for {
		f := make(chan decodedLine, 1)
		select {
		case pending <- f:
		case <-stop:
			return
		}
		b, err := in.ReadBytes('\n')
		switch {
		case errors.Is(err, io.EOF) && len(bytes.TrimSpace(b)) == 0:
			f <- decodedLine{cutShort: true}
			return
		case err != nil && !errors.Is(err, io.EOF):
			f <- decodedLine{readErr: err}
			return
		}
		select {
		case workers <- struct{}{}:
		case <-stop:
			return
		}
		go func() {
			defer func() { <-workers }()
			var d decodedLine
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			d.decodeErr = dec.Decode(&d.line)
			f <- d
		}()
	}
}

// progress shows how far an export or import is on stderr: a bar that
// redraws itself on a terminal, a line per table otherwise.
type progress struct {
	e        *env
	verb     string
	total    int64
	n        int64
	tty      bool
	table    string
	drawn    time.Time
	perTable map[string]int64
}

func (e *env) newProgress(verb string, c store.DumpCounts) *progress {
	p := &progress{e: e, verb: verb, perTable: map[string]int64{}}
	for _, n := range c {
		p.total += n
	}
	if f, ok := e.stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) add(table string) {
	if p == nil {
		return
	}
	if table != p.table {
		p.flushTable()
		p.table = table
	}
	p.n++
	p.perTable[table]++
	if p.tty && time.Since(p.drawn) > 100*time.Millisecond {
		p.drawn = time.Now()
		frac := 1.0
		if p.total > 0 {
			frac = min(1, float64(p.n)/float64(p.total))
		}
		w := int(frac * 30)
		fmt.Fprintf(p.e.stderr, "\r%s [%s%s] %3.0f%% %d/%d rows (%s)\x1b[K", p.verb, strings.Repeat("#", w), strings.Repeat(".", 30-w), frac*100, p.n, p.total, table)
	}
}

func (p *progress) flushTable() {
	if p.table != "" && !p.tty {
		fmt.Fprintf(p.e.stderr, "%s %s: %d rows (%d/%d)\n", p.verb, p.table, p.perTable[p.table], p.n, p.total)
	}
}

func (p *progress) done() {
	if p == nil {
		return
	}
	p.flushTable()
	p.table = ""
	if p.tty {
		fmt.Fprintf(p.e.stderr, "\r%s %d/%d rows\x1b[K\n", p.verb, p.n, p.total)
	}
}
