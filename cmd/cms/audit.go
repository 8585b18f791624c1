package main

import (
	"errors"
	"fmt"

	"healthcms/cms"
)

// audit verify: exit 0 with the number of events checked, exit 1 naming
// the first event where a chain breaks.
func (e *env) audit(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("usage: cms audit verify")
	}
	cfg, rest, err := e.flags("audit verify", args[1:], nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	db, err := e.openDB(cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := cms.VerifyAudit(e.ctx, db)
	var broken *cms.BrokenChainError
	if errors.As(err, &broken) {
		return fmt.Errorf("audit trail broken: %s", broken)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit trail verified: %d events\n", n)
	return nil
}
