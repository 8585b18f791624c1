package main

import (
	"fmt"
	"text/tabwriter"

	"healthcms/cms/store"
)

func (e *env) migrate(args []string) error {
	cfg, rest, err := e.flags("migrate", args, nil)
	if err != nil {
		return err
	}
	sub := "up"
	if len(rest) > 0 {
		sub = rest[0]
	}
	if len(rest) > 1 || (sub != "up" && sub != "status") {
		return usagef("usage: cms migrate [up|status]")
	}
	if sub == "up" {
		db, err := e.openDB(cfg, true)
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Fprintln(e.stdout, "migrations: up to date")
		return nil
	}
	db, err := store.Open(e.ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.MigrationStatuses(e.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSTATE\tNAME")
	for _, s := range st {
		state := "pending"
		if s.Applied {
			state = "applied " + s.AppliedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Version, state, s.Name)
	}
	return tw.Flush()
}
