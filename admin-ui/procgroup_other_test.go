//go:build !unix

package adminui_test

import "os/exec"

// ownGroup: without process groups, cancelling kills node alone.
func ownGroup(*exec.Cmd) {}
