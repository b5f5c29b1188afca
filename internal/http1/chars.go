package http1

// IsTokenChar reports whether c is a tchar (RFC 9110 5.6.2).
func IsTokenChar(c byte) bool { return c < 0x80 && tokenTable[c] }

// IsToken reports whether s is a token: one or more tchars (RFC 9110
// 5.6.2), as a method or a field name must be.
func IsToken[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if !IsTokenChar(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

var tokenTable = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// IsFieldValueChar reports whether c may appear in a field value or a
// reason phrase: HTAB, SP, VCHAR or obs-text (RFC 9110 5.5, RFC 9112 4).
// Every other control byte, CR and LF above all, and DEL are refused:
// a CR or LF would let a value forge a field line.
func IsFieldValueChar(c byte) bool { return c >= ' ' && c != 0x7f || c == '\t' }

// ValidFieldValue reports whether every byte of v is a IsFieldValueChar.
func ValidFieldValue[T string | []byte](v T) bool {
	for i := 0; i < len(v); i++ {
		if !IsFieldValueChar(v[i]) {
			return false
		}
	}
	return true
}

// IsDigit reports whether c is a DIGIT.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// Unhex returns the value of the HEXDIG c, and false if c is none.
func Unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Lower folds an ASCII upper-case letter to lower case.
func Lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// EqualFold compares b with s without regard to ASCII case, as field
// names and most tokens are compared, without allocating.
func EqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if Lower(b[i]) != Lower(s[i]) {
			return false
		}
	}
	return true
}
