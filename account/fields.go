package account

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sessionkit/sessionkit/store"
)

// Codes of additional-field input, Better Auth's.
const (
	CodeFieldNotAllowed = "FIELD_NOT_ALLOWED"
	CodeMissingField    = "MISSING_FIELD"
)

// fieldInput reads the declared fields (decl) from a JSON API body, as
// Better Auth's parseInputData does on sign-up (create) and update-user:
//
//   - a field without Input: on create with a Default, the default, whatever
//     was sent; otherwise a truthy value is 400 FIELD_NOT_ALLOWED
//     ("role is not allowed to be set") and a falsy one (false, 0, "", null)
//     is ignored;
//   - on create, a Required field absent with no Default is 400
//     MISSING_FIELD ("tenantId is required");
//   - members that are not declared are ignored.
//
// Unlike Better Auth, a value of the wrong type is refused (400
// VALIDATION_ERROR) instead of being written as it came.
func fieldInput(decl []store.Field, body map[string]json.RawMessage, create bool) (map[string]any, error) {
	out := map[string]any{}
	for i := range decl {
		d := &decl[i]
		raw, sent := body[d.Name]
		if !d.Input {
			if !sent {
				continue
			}
			if create && d.Default != nil {
				continue // the store gives the default
			}
			if truthy(raw) {
				return nil, &InputError{d.Name, CodeFieldNotAllowed, d.Name + " is not allowed to be set"}
			}
			continue
		}
		if !sent {
			if create && d.Required && d.Default == nil {
				return nil, &InputError{d.Name, CodeMissingField, d.Name + " is required"}
			}
			continue
		}
		v, err := store.ParseFieldJSON(d.Type, raw)
		if err != nil {
			return nil, &InputError{d.Name, CodeValidation, fmt.Sprintf("[body.%s] expected %s", d.Name, d.Type)}
		}
		out[d.Name] = v
	}
	return out, nil
}

// truthy is JavaScript's truthiness of a JSON value.
func truthy(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	switch s {
	case "null", "false", `""`:
		return false
	}
	if s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		f, err := strconv.ParseFloat(s, 64)
		return err != nil || f != 0
	}
	return true
}

// fieldError turns a store.ErrField from a new record's fields into the
// JSON API's answer: a required field left null is MISSING_FIELD.
func fieldError(err error) error {
	var in *InputError
	if errors.As(err, &in) || !errors.Is(err, store.ErrField) {
		return err
	}
	if name, ok := strings.CutSuffix(err.Error(), " is required"); ok {
		name = name[strings.LastIndex(name, " ")+1:]
		return &InputError{name, CodeMissingField, name + " is required"}
	}
	return &InputError{"fields", CodeValidation, strings.TrimPrefix(err.Error(), store.ErrField.Error()+": ")}
}
