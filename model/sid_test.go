package model

import (
	"slices"
	"testing"
)

func TestNewSIDShapeAndOrder(t *testing.T) {
	var sids []string
	for range 1000 {
		sids = append(sids, NewSID(PrefixChannel))
	}
	for _, s := range sids {
		if !IsSID(PrefixChannel, s) || s != string([]byte(s)) || len(s) != 34 {
			t.Fatalf("NewSID = %q; want CH and 32 hex digits", s)
		}
		for _, c := range s[2:] {
			if c >= 'A' && c <= 'F' {
				t.Fatalf("NewSID = %q; want lowercase hex", s)
			}
		}
	}
	if !slices.IsSorted(sids) {
		t.Error("SIDs minted one after another are not in creation order")
	}
	if len(slices.Compact(slices.Clone(sids))) != len(sids) {
		t.Error("duplicate SIDs")
	}
}

func TestIsSID(t *testing.T) {
	for _, tc := range []struct {
		prefix, s string
		want      bool
	}{
		{"CH", "CH0123456789abcdef0123456789abcdef", true},
		{"CH", "CH0123456789ABCDEF0123456789ABCDEF", true},
		{"CH", "US0123456789abcdef0123456789abcdef", false},
		{"CH", "CH0123456789abcdef0123456789abcde", false},
		{"CH", "CH0123456789abcdef0123456789abcdeg", false},
		{"CH", "", false},
	} {
		if got := IsSID(tc.prefix, tc.s); got != tc.want {
			t.Errorf("IsSID(%q, %q) = %v, want %v", tc.prefix, tc.s, got, tc.want)
		}
	}
}
