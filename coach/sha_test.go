package coach

import (
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

func TestSHAIndex(t *testing.T) {
	const (
		a = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
		b = "9f86d08a884c7d659a2feaa0c55ad015a3bf4f1b" // shares 7 digits with a
		c = "60303ae22b998861bce3b28f33eec1be758a213c"
	)
	x := newSHAIndex(4)
	x.add(a, 0)
	x.add("9F86D08A884C7D659A2FEAA0C55AD015A3BF4F1B", 1) // b, upper case
	x.add("1234abc", 2)                                  // a short merge commit
	x.add("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 3) // 40 characters, not hex
	tests := []struct {
		name  string
		sha   string
		want  int
		found bool
	}{
		{"equal", a, 0, true},
		{"equal ignoring case", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B", 0, true},
		{"stored upper case", b, 1, true},
		{"prefix of 8", "9f86d081", 0, true},
		{"ambiguous prefix", "9f86d08", 0, false},
		{"stored short, asked full", "1234abc0000000000000000000000000000000ff", 2, true},
		{"stored short, asked equal in upper case", "1234ABC", 2, true},
		{"not hex", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", 3, true},
		{"unknown", c, 0, false},
		{"too short", "9f86d", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := x.find(tt.sha)
			if found != tt.found || (found && got != tt.want) {
				t.Errorf("find(%q) = %d, %v; want %d, %v", tt.sha, got, found, tt.want, tt.found)
			}
		})
	}
	// Only full SHAs: a full SHA that is no key cannot match by prefix.
	y := newSHAIndex(1)
	y.add(a, 0)
	if _, found := y.find(c); found {
		t.Errorf("find(%q) found in an index of full SHAs without it", c)
	}
}

// packHex reads exactly the 40-digit hex strings, in either case, as
// encoding/hex reads them.
func TestPackHex(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "0123456789abcdefABCDEFgz \x00\xff"
	for range 5000 {
		b := make([]byte, 40)
		for i := range b {
			if rng.IntN(50) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = "0123456789abcdefABCDEF"[rng.IntN(22)]
			}
		}
		want, err := hex.DecodeString(string(b))
		got, ok := packHex(string(b))
		if ok != (err == nil) || ok && string(got[:]) != string(want) {
			t.Fatalf("packHex(%q) = %x, %v; want %x, %v", b, got, ok, want, err)
		}
	}
}
