package coach

import (
	"encoding/hex"
	"strings"
)

// shaIndex finds a pull request by its merge commit: the SHA equal
// ignoring case, or, with 7 or more hex digits on the shorter side, an
// unambiguous prefix either way. Full 40-digit SHAs, nearly all of them,
// are kept packed in the map's own slots: looking up tens of thousands of
// deployed commits then reads no scattered string data.
type shaIndex struct {
	full  map[[20]byte]int32 // 40 hex digits, packed
	other map[string]int32   // lower-case, any other shape
	lens  map[int]int        // how many keys have each length in hex digits
}

func newSHAIndex(n int) *shaIndex {
	return &shaIndex{full: make(map[[20]byte]int32, n), other: map[string]int32{}, lens: map[int]int{}}
}

func (x *shaIndex) size() int { return len(x.full) + len(x.other) }

// add indexes sha as naming j; a later add of the same SHA wins.
func (x *shaIndex) add(sha string, j int32) {
	if k, ok := packHex(sha); ok {
		if _, dup := x.full[k]; !dup {
			x.lens[len(sha)]++
		}
		x.full[k] = j
		return
	}
	sha = strings.ToLower(sha)
	if _, dup := x.other[sha]; !dup {
		x.lens[len(sha)]++
	}
	x.other[sha] = j
}

// find returns what sha names, if exactly one key matches it.
func (x *shaIndex) find(sha string) (int, bool) {
	if k, ok := packHex(sha); ok {
		if j, ok := x.full[k]; ok {
			return int(j), true
		}
	} else if j, ok := x.other[strings.ToLower(sha)]; ok {
		return int(j), true
	}
	if len(sha) < 7 || x.lens[len(sha)] == x.size() {
		// Too short, or every key is as long as sha and none equals it:
		// no key is a prefix of sha or has it as one.
		return 0, false
	}
	// An ambiguous prefix names nothing.
	match, count := 0, 0
	for k, j := range x.full {
		if shaMatch(hex.EncodeToString(k[:]), sha) {
			match, count = int(j), count+1
		}
	}
	for full, j := range x.other {
		if shaMatch(full, sha) {
			match, count = int(j), count+1
		}
	}
	return match, count == 1
}

// packHex packs a SHA of 40 hex digits, in either case.
func packHex(s string) (k [20]byte, ok bool) {
	if len(s) != 40 {
		return k, false
	}
	for i := range k {
		hi, lo := hexValue[s[2*i]], hexValue[s[2*i+1]]
		if hi|lo > 0xf {
			return k, false
		}
		k[i] = hi<<4 | lo
	}
	return k, true
}

// hexValue is each byte's value as a hex digit (either case), 0xff for
// any other byte. A table rather than comparisons: a SHA's digits are
// random, and the mispredicted branches of comparing them were most of
// what packing thousands cost.
var hexValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()

func shaMatch(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 7 && strings.HasPrefix(b, a)
}
