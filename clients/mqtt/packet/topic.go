package packet

// Topic names and filters (MQTT 3.1.1 section 4.7, 5.0 section 4.7).
//
// A topic name is what a PUBLISH carries: at least one character, no
// wildcards. A topic filter is what a subscription names: '+' stands for
// one whole level, '#' for any number of levels at the end. Both are UTF-8
// strings of at most 65,535 bytes, without U+0000. Topics beginning with
// '$' are not matched by a filter that begins with a wildcard (4.7.2).

// ValidTopicName reports whether s may be the topic of a PUBLISH:
// ErrBadTopicName if it is empty or holds '+' or '#', or the string
// errors of ValidString.
func ValidTopicName[S ~string | ~[]byte](s S) error {
	if len(s) == 0 {
		return ErrBadTopicName
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '+' || s[i] == '#' {
			return ErrBadTopicName
		}
	}
	return ValidString(s)
}

// ValidTopicFilter reports whether s may be subscribed to:
// ErrBadTopicFilter if it is empty, if '#' is anywhere but alone in the
// last level, or if '+' shares its level with anything else; or the
// string errors of ValidString. A shared subscription ($share/name/filter,
// 5.0 section 4.8.2) is checked with ValidSharedFilter.
func ValidTopicFilter[S ~string | ~[]byte](s S) error {
	if len(s) == 0 {
		return ErrBadTopicFilter
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '#':
			if i != len(s)-1 || (i > 0 && s[i-1] != '/') {
				return ErrBadTopicFilter
			}
		case '+':
			if (i > 0 && s[i-1] != '/') || (i < len(s)-1 && s[i+1] != '/') {
				return ErrBadTopicFilter
			}
		}
	}
	return ValidString(s)
}

const sharePrefix = "$share/"

// SharedFilter splits a shared subscription's filter "$share/name/filter"
// into its share name and filter; ok is false for a filter that does not
// begin with "$share/".
func SharedFilter[S ~string | ~[]byte](s S) (name, filter S, ok bool) {
	if len(s) < len(sharePrefix) {
		return s[:0], s, false
	}
	for i := 0; i < len(sharePrefix); i++ {
		if s[i] != sharePrefix[i] {
			return s[:0], s, false
		}
	}
	rest := s[len(sharePrefix):]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			return rest[:i], rest[i+1:], true
		}
	}
	return rest, rest[len(rest):], true
}

// ValidSharedFilter checks a 5.0 filter that may be shared: for
// "$share/name/filter", a non-empty name without '/', '+' or '#', and a
// valid, non-empty filter after it; any other filter as ValidTopicFilter.
func ValidSharedFilter[S ~string | ~[]byte](s S) error {
	name, filter, ok := SharedFilter(s)
	if !ok {
		return ValidTopicFilter(s)
	}
	if len(name) == 0 || len(filter) == 0 {
		return ErrBadTopicFilter
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '+' || name[i] == '#' {
			return ErrBadTopicFilter
		}
	}
	return ValidTopicFilter(s)
}

// MatchTopic reports whether topic name t matches filter f. Both are
// assumed valid. A shared subscription's filter is matched by the filter
// after "$share/name/".
func MatchTopic[F, T ~string | ~[]byte](f F, t T) bool {
	if _, sf, ok := SharedFilter(f); ok {
		f = sf
	}
	if len(t) > 0 && t[0] == '$' && len(f) > 0 && (f[0] == '+' || f[0] == '#') {
		return false
	}
	i, j := 0, 0
	for i < len(f) {
		switch f[i] {
		case '#':
			// "a/#" also matches "a": the parent level (4.7.1.2); j then
			// sits at the end of t, or just past a '/'.
			return true
		case '+':
			for j < len(t) && t[j] != '/' {
				j++
			}
			i++
		default:
			if j >= len(t) || f[i] != t[j] {
				// "a/#" matches "a": t ended where f has "/#".
				return j == len(t) && i+1 < len(f) && f[i] == '/' && f[i+1] == '#'
			}
			i++
			j++
		}
	}
	return j == len(t)
}
