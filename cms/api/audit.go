package api

import (
	"net/http"

	"healthcms/cms"
)

// auditLog lists every recorded change, newest first (admins).
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit", 20, 1, 100)
	if err != nil {
		writeError(w, r, err)
		return
	}
	qv := r.URL.Query()
	evs, next, err := s.Editor.Audit(r.Context(), currentUser(r), cms.AuditQuery{SubjectType: qv.Get("subject_type"),
		SubjectID: qv.Get("subject_id"), Limit: limit, Cursor: qv.Get("cursor")})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := list[*cms.AuditEvent]{Items: evs}
	if next != "" {
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}
