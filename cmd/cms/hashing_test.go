package main

import "healthcms/auth"

// Servers started by the tests create admins and demo users: hash their
// passwords cheaply (stored hashes carry their parameters, so logins
// check them the same way).
func init() { auth.UseCheapHashingForTests() }
