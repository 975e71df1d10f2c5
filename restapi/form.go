package restapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/model"
)

// form reads Twilio's form parameters (PascalCase keys, repeated keys for
// lists) from a request's body and query. The first malformed value is kept
// in err; handlers check it once after reading every parameter. Values are
// only parsed here: what they may be is core's business.
type form struct {
	v   url.Values
	n   int // parameters present that the handler read
	err error
}

// parseForm parses r's form (the body of a POST, the query string of any
// request).
func parseForm(r *http.Request) (*form, error) {
	if err := r.ParseForm(); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, errTooLarge
		}
		if _, ok := err.(*http.MaxBytesError); ok {
			return nil, errTooLarge
		}
		return nil, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "Invalid form body")
	}
	return &form{v: r.Form}, nil
}

func (f *form) bad(name, want string) {
	if f.err == nil {
		f.err = model.Errorf(model.KindInvalid, model.CodeInvalidParam, "Invalid parameter %s: %s", name, want)
	}
}

// str returns the parameter's value, or nil when it was not sent.
func (f *form) str(name string) *string {
	vs, ok := f.v[name]
	if !ok {
		return nil
	}
	f.n++
	v := vs[0]
	return &v
}

// strs returns every value of a repeated parameter (nil when not sent).
func (f *form) strs(name string) []string {
	vs, ok := f.v[name]
	if !ok {
		return nil
	}
	f.n++
	return vs
}

// boolean returns the parameter as a bool ("true"/"false", any case).
func (f *form) boolean(name string) *bool {
	s := f.str(name)
	if s == nil {
		return nil
	}
	b, err := strconv.ParseBool(strings.ToLower(*s))
	if err != nil {
		f.bad(name, "want true or false")
		return nil
	}
	return &b
}

// integer returns the parameter as an int.
func (f *form) integer(name string) *int {
	s := f.str(name)
	if s == nil {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(*s))
	if err != nil {
		f.bad(name, "want an integer")
		return nil
	}
	return &n
}

// nullableInt64 returns the parameter as an int64; set reports whether it
// was sent at all, and a nil value with set true means null (an empty value
// or "null").
func (f *form) nullableInt64(name string) (v *int64, set bool) {
	s := f.str(name)
	if s == nil {
		return nil, false
	}
	if *s == "" || strings.EqualFold(*s, "null") {
		return nil, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 64)
	if err != nil {
		f.bad(name, "want an integer")
		return nil, true
	}
	return &n, true
}

// time returns the parameter as a time (RFC 3339, as twilio-go sends it).
func (f *form) time(name string) *time.Time {
	s := f.str(name)
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		f.bad(name, "want an RFC 3339 date such as 2016-03-24T21:05:50Z")
		return nil
	}
	t = t.UTC()
	return &t
}

// pageParams reads PageSize, Page and PageToken from the query.
func pageParams(r *http.Request) (pp core.PageParams, page int, err error) {
	q := r.URL.Query()
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return pp, 0, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "Invalid parameter PageSize: want an integer")
		}
		pp.Size = &n
	}
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return pp, 0, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "Invalid parameter Page: want a non-negative integer")
		}
		page = n
	}
	pp.Token = q.Get("PageToken")
	return pp, page, nil
}
