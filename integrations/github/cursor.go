package github

import (
	"fmt"
	"net/url"
	"time"
)

// Cursor is where the last Sync of a repository stopped. Callers store
// String() and hand it back; its contents are this package's business, with
// one exception: a caller may start a first sync at a horizon instead of
// reading the whole history, with Cursor{Updated: horizon}.String().
type Cursor struct {
	// Updated is the newest updated_at handed to the caller; zero reads
	// every pull request.
	Updated time.Time
	// ETag is GitHub's ETag for the first list page as last read.
	ETag string
}

// cursorVersion changes whenever the encoding does, so an old stored
// cursor is refused instead of misread.
const cursorVersion = "1"

// String encodes c; the zero Cursor encodes as "".
func (c Cursor) String() string {
	if c == (Cursor{}) {
		return ""
	}
	v := url.Values{"v": {cursorVersion}}
	if !c.Updated.IsZero() {
		v.Set("updated", c.Updated.UTC().Format(time.RFC3339Nano))
	}
	if c.ETag != "" {
		v.Set("etag", c.ETag)
	}
	return v.Encode()
}

// ParseCursor decodes what Cursor.String produced. "" is the zero Cursor.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	v, err := url.ParseQuery(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("parsing github cursor %q: %w", s, err)
	}
	if got := v.Get("v"); got != cursorVersion {
		return Cursor{}, fmt.Errorf("parsing github cursor %q: version %q, want %q", s, got, cursorVersion)
	}
	c := Cursor{ETag: v.Get("etag")}
	if u := v.Get("updated"); u != "" {
		c.Updated, err = time.Parse(time.RFC3339Nano, u)
		if err != nil {
			return Cursor{}, fmt.Errorf("parsing github cursor %q: %w", s, err)
		}
	}
	return c, nil
}
