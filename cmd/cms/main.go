// Command cms is the whole CMS in one binary: the server and its admin
// commands. See README.md for the commands and settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// usageError is a bad flag, argument or setting: exit 2 with one line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what a command runs with; Main builds it so tests can run the real
// commands in-process.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// Main runs the command line args and returns the exit code: 0 on success,
// 1 on failure, 2 on bad usage or configuration. ctx ending is a shutdown.
func Main(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	err := e.run(args)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "cms: %s\n", ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "cms: %v\n", err)
		return 1
	}
}

func (e *env) run(args []string) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return e.serve(args)
	case "migrate":
		return e.migrate(args)
	case "user":
		return e.user(args)
	case "audit":
		return e.audit(args)
	case "key":
		return e.key(args)
	case "seed":
		return e.seed(args)
	case "export":
		return e.export(args)
	case "import":
		return e.importCmd(args)
	case "healthcheck":
		return e.healthcheck(args)
	case "version":
		fmt.Fprintf(e.stdout, "cms %s\n", Version)
		return nil
	case "help":
		fmt.Fprintln(e.stdout, "usage: cms [serve [--demo] | migrate [up|status] | user create|set-password | key create | audit verify | seed | export | import | healthcheck | version] [flags]")
		return nil
	}
	return usagef("unknown command %q (want serve, migrate, user, key, audit, seed, export, import, healthcheck, version)", cmd)
}

// flags parses a command's flags over the configuration and returns the
// configuration and the remaining arguments.
func (e *env) flags(name string, args []string, extra func(fs *flag.FlagSet)) (*Config, []string, error) {
	fs := flag.NewFlagSet("cms "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := loadConfig(fs, e.getenv)
	if err != nil {
		return nil, nil, usageError{err.Error()}
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			return nil, nil, usageError{"help shown"}
		}
		return nil, nil, usageError{err.Error()}
	}
	if err := cfg.check(); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	e.log = newLogger(cfg.LogFormat, e.stderr)
	return cfg, fs.Args(), nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
