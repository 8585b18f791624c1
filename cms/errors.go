package cms

import (
	"errors"
	"fmt"

	"healthcms/workflow"
)

// Error codes. The API maps each to one HTTP status in one place
// (cms/api/problem.go); everything else is an internal error that is logged
// and never shown.
const (
	EINVALID      = "invalid"               // well-formed but invalid input (422)
	EBADREQUEST   = "bad_request"           // malformed input: JSON, types, query parameters (400)
	EUNAUTHORIZED = "unauthorized"          // missing, expired or invalid credentials (401)
	EFORBIDDEN    = "forbidden"             // authenticated but not allowed (403)
	ENOTFOUND     = "not_found"             // no such resource, or not visible to the caller (404)
	ECONFLICT     = "conflict"              // taken slug or email, a resource still in use (409)
	ETRANSITION   = "invalid_transition"    // the action does not fit the current state (409)
	EPRECONDITION = "precondition"          // If-Match does not match the current version (412)
	EPRECONDREQ   = "precondition_required" // If-Match missing on a write that needs it (428)
	ERATELIMIT    = "rate_limited"          // too many attempts (429)
	EUNAVAILABLE  = "unavailable"           // the database cannot be reached or is busy; nothing changed (503)
	EINTERNAL     = "internal"              // anything else: logged, never shown (500)
)

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error: a code the API maps to a status, and a message
// safe to show to the caller.
type Error struct {
	Code    string
	Message string
	// Fields lists each invalid field (EINVALID).
	Fields []FieldError
	// RetryAfter is the wait in seconds (ERATELIMIT, EUNAVAILABLE).
	RetryAfter int
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for one field; the message reads
// "field message".
func Invalid(field, message string) *Error {
	return &Error{Code: EINVALID, Message: field + " " + message, Fields: []FieldError{{field, message}}}
}

// ErrorCode returns the code of err: the *Error's own, EUNAVAILABLE for a
// database that cannot be reached (see Unavailable), EINTERNAL for any
// other error, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if Unavailable(err) != nil {
		return EUNAVAILABLE
	}
	return EINTERNAL
}

// Validation collects field errors so a request is answered with all of
// them at once rather than one per round trip.
type Validation struct{ fields []FieldError }

// Add records that field is invalid.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, FieldError{field, message})
}

// Err returns nil when nothing was added, else an EINVALID error listing
// every field, with the first as its message.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	f := v.fields[0]
	return &Error{Code: EINVALID, Message: f.Field + " " + f.Message, Fields: v.fields}
}

// stale is the answer to an If-Match that is not the current version.
func stale(current int64) error {
	return Errorf(EPRECONDITION, "the article has changed (it is at version %d); reload it and apply your change again", current)
}

// fromWorkflow turns the workflow's errors into domain errors.
func fromWorkflow(err error) error {
	var (
		te *workflow.TransitionError
		fe *workflow.ForbiddenError
		ie *workflow.InvalidError
	)
	switch {
	case errors.As(err, &te):
		return Errorf(ETRANSITION, "%s", te.Error())
	case errors.As(err, &fe):
		return Errorf(EFORBIDDEN, "%s", fe.Error())
	case errors.As(err, &ie):
		return Invalid(ie.Field, ie.Message)
	}
	return err
}
