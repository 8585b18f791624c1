// Package adminui holds the admin single-page app's built files, embedded
// so that the cms binary serves the UI without Node at build or run time.
package adminui

import "embed"

// Dist is the built app: index.html and assets/ under "dist".
//
//go:embed all:dist
var Dist embed.FS
