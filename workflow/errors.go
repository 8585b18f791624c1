package workflow

import "fmt"

// TransitionError says the action does not fit the article's current state.
// The API answers it with 409 /problems/invalid-transition.
type TransitionError struct {
	State  State
	Action Action
	// Reason is set when the state alone would allow the action but the
	// article does not (publish when the draft is not the approved content,
	// unpublish with nothing live), so the caller can say why.
	Reason string
}

// Error implements error.
func (e *TransitionError) Error() string {
	msg := fmt.Sprintf("cannot %q an article in state %q", e.Action, e.State)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// ForbiddenError says the actor may not take the action (role, ownership,
// self-approval, missing credentials). The API answers it with 403.
type ForbiddenError struct {
	Reason string
}

// Error implements error.
func (e *ForbiddenError) Error() string {
	if e.Reason == "" {
		return "forbidden"
	}
	return e.Reason
}

// InvalidError says an input of the request is wrong (a missing comment, a
// publication time in the past). The API answers it with 422, naming Field.
type InvalidError struct {
	Field   string
	Message string
}

// Error implements error, in the "field message" form the API shows as the
// problem's detail.
func (e *InvalidError) Error() string { return e.Field + " " + e.Message }
