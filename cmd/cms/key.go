package main

import (
	"flag"
	"fmt"

	"healthcms/auth"
	"healthcms/cms"
)

// key create: prints the new key once; only its hash is stored.
func (e *env) key(args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: cms key create --name N --scope delivery|preview")
	}
	var name, scope string
	cfg, rest, err := e.flags("key create", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "what the key is for, e.g. \"Next.js site\" (required)")
		fs.StringVar(&scope, "scope", "", "delivery or preview (required)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	in := cms.NewAPIKey{Name: name, Scope: scope}
	if err := in.Validate(); err != nil {
		return usageError{validationLine(err)}
	}
	db, err := e.openDB(cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	keys := &auth.Keys{Store: db}
	k, raw, err := keys.Create(e.ctx, cms.CommandLine(), in)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s key %q (%s)\nkey: %s (shown once)\n", k.Scope, k.Name, k.ID, raw)
	return nil
}
