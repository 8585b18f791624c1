package main

import (
	"flag"
	"fmt"
	"strings"

	"healthcms/auth"
	"healthcms/cms"
	"healthcms/workflow"
)

// user create: the password comes from CMS_USER_PASSWORD so it never shows
// in a process list; without it one is generated and printed once.
func (e *env) user(args []string) error {
	if len(args) > 0 && args[0] == "set-password" {
		return e.userSetPassword(args[1:])
	}
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: cms user create --email E --name N --role R[,R] [--credentials C] | cms user set-password --email E")
	}
	var email, name, roles, creds string
	cfg, rest, err := e.flags("user create", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email (required)")
		fs.StringVar(&name, "name", "", "display name (required)")
		fs.StringVar(&roles, "role", "", "roles, comma-separated: writer, reviewer, editor, admin (required)")
		fs.StringVar(&creds, "credentials", "", `a reviewer's credentials, e.g. "MD, Rheumatology"`)
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	if email == "" || name == "" || roles == "" {
		return usagef("user create needs --email, --name and --role")
	}
	in := cms.NewUser{Email: email, Name: name, Credentials: creds, Password: e.getenv("CMS_USER_PASSWORD")}
	for _, r := range strings.Split(roles, ",") {
		in.Roles = append(in.Roles, workflow.Role(strings.TrimSpace(r)))
	}
	generated := in.Password == ""
	if generated {
		in.Password = auth.GeneratePassword()
	}
	if err := in.Validate(); err != nil {
		return usageError{validationLine(err)}
	}
	db, err := e.openDB(cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	as := &auth.Service{Users: db, Tokens: db}
	u, err := as.CreateUser(e.ctx, cms.CommandLine(), in)
	if err != nil {
		return fmt.Errorf("%s", validationLine(err))
	}
	fmt.Fprintf(e.stdout, "created user %s (%s) with roles %s\n", u.Email, u.ID, roles)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s (shown once)\n", in.Password)
	}
	return nil
}

// validationLine renders a domain error as one line for the terminal.
func validationLine(err error) string {
	if e, ok := err.(*cms.Error); ok {
		parts := make([]string, 0, len(e.Fields))
		for _, f := range e.Fields {
			parts = append(parts, f.Field+" "+f.Message)
		}
		if len(parts) > 0 {
			return strings.Join(parts, "; ")
		}
		return e.Message
	}
	return err.Error()
}
