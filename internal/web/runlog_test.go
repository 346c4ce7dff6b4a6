package web

import "testing"

func TestLogChunksEndOnCharactersAndCarryNoCarriageReturns(t *testing.T) {
	euro := []byte("€") // three bytes
	for _, c := range []struct {
		in   []byte
		want int
	}{
		{[]byte("plain"), 5},
		{append([]byte("a"), euro[:2]...), 1},
		{append([]byte("a"), euro...), 4},
		{[]byte{0xff, 0xfe, 'x'}, 3}, // not UTF-8: sent as it is
	} {
		if got := whole(c.in); got != c.want {
			t.Errorf("whole(%q) = %d, want %d", c.in, got, c.want)
		}
	}
	if got := lines([]byte("10%\r20%\r\ndone\n")); got != "10%\n20%\ndone\n" {
		t.Errorf("lines = %q", got)
	}
}
