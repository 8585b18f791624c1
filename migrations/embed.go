// Package migrations holds the numbered SQL migrations of each database,
// embedded into the binary so a deploy is one file.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
