package store

import (
	"reflect"
	"strings"
	"testing"
)

// Every key of a team is set, distinct and under the team's hash tag: a
// field added to teamKeys but not to keys would send writes of every team
// to one key named "".
func TestTeamKeysAreSetAndDistinct(t *testing.T) {
	k, err := New(nil, Options{}).keys("payments")
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(k)
	seen := map[string]string{}
	for i := range v.NumField() {
		name, key := v.Type().Field(i).Name, v.Field(i).String()
		if !strings.HasPrefix(key, "flowbot:{payments}:") {
			t.Errorf("%s = %q, want a key under flowbot:{payments}:", name, key)
		}
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s are both %q", name, other, key)
		}
		seen[key] = name
	}
}
