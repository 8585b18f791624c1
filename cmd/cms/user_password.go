package main

import (
	"flag"
	"fmt"

	"healthcms/auth"
	"healthcms/cms"
)

// userSetPassword is `cms user set-password --email E`: the password comes
// from CMS_USER_PASSWORD so it never shows in a process list; without it
// one is generated and printed once. The user's sessions are revoked.
func (e *env) userSetPassword(args []string) error {
	var email string
	cfg, rest, err := e.flags("user set-password", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email (required)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	if email == "" {
		return usagef("user set-password needs --email")
	}
	password := e.getenv("CMS_USER_PASSWORD")
	generated := password == ""
	if generated {
		password = auth.GeneratePassword()
	}
	if err := cms.CheckPassword("password", password); err != nil {
		return usagef("CMS_USER_PASSWORD: %s", validationLine(err))
	}
	db, err := e.openDB(cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	as := &auth.Service{Users: db, Tokens: db}
	u, err := as.SetPassword(e.ctx, email, password)
	if err != nil {
		return fmt.Errorf("%s", validationLine(err))
	}
	fmt.Fprintf(e.stdout, "set a new password for %s (%s); their sessions are revoked\n", u.Email, u.ID)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s (shown once)\n", password)
	}
	return nil
}
