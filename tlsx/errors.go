package tlsx

import "strconv"

// Kind says what went wrong, so that callers test errors with errors.Is
// against the Err* values instead of parsing strings.
type Kind uint8

// The kinds of failure.
const (
	KindNone Kind = iota
	KindWouldBlock
	KindClosed
	KindConfig
	KindBadRecordMAC
	KindRecordOverflow
	KindDecode
	KindUnexpectedMessage
	KindIllegalParameter
	KindUnsupportedExtension
	KindProtocolVersion
	KindDowngrade
	KindUnsupportedSuite
	KindUnsupportedGroup
	KindHelloRetry
	KindUnknownCA
	KindHostName
	KindCertificateExpired
	KindBadCertificate
	KindBadSignature
	KindBadFinished
	KindNoALPN
	KindTruncated
	KindPeerAlert
	KindTimeout
	KindInternal
	KindCertificateRequired // server: the client sent no certificate but one is required
	KindHandshakeFailure    // server: no certificate or signature scheme the client accepts
)

var kindNames = [...]string{
	"none", "would block", "closed", "bad config", "bad record MAC", "record overflow",
	"decode error", "unexpected message", "illegal parameter", "unsupported extension",
	"protocol version", "downgrade detected", "unsupported cipher suite", "unsupported group",
	"bad HelloRetryRequest", "unknown certificate authority", "host name mismatch",
	"certificate expired or not yet valid", "bad certificate", "bad signature", "bad Finished",
	"no application protocol", "truncated (no close_notify)", "peer alert", "handshake timeout",
	"internal error", "certificate required", "handshake failure",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is every error tlsx returns. Alert is the alert sent (or, when
// Remote, received) for it; Err is an underlying cause such as an x509
// error.
type Error struct {
	Kind   Kind
	Alert  Alert
	Remote bool
	Err    error
}

func (e *Error) Error() string {
	s := "tlsx: " + e.Kind.String()
	if e.Remote {
		s += " (received alert " + e.Alert.String() + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error of the same Kind, so errors.Is(err, ErrUnknownCA)
// works whatever the cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// Values to compare against with errors.Is.
var (
	ErrWouldBlock          = &Error{Kind: KindWouldBlock}
	ErrClosed              = &Error{Kind: KindClosed}
	ErrConfig              = &Error{Kind: KindConfig}
	ErrBadRecordMAC        = &Error{Kind: KindBadRecordMAC}
	ErrRecordOverflow      = &Error{Kind: KindRecordOverflow}
	ErrDecode              = &Error{Kind: KindDecode}
	ErrUnexpectedMessage   = &Error{Kind: KindUnexpectedMessage}
	ErrIllegalParameter    = &Error{Kind: KindIllegalParameter}
	ErrUnsupportedExt      = &Error{Kind: KindUnsupportedExtension}
	ErrProtocolVersion     = &Error{Kind: KindProtocolVersion}
	ErrDowngrade           = &Error{Kind: KindDowngrade}
	ErrUnsupportedSuite    = &Error{Kind: KindUnsupportedSuite}
	ErrUnsupportedGroup    = &Error{Kind: KindUnsupportedGroup}
	ErrHelloRetry          = &Error{Kind: KindHelloRetry}
	ErrUnknownCA           = &Error{Kind: KindUnknownCA}
	ErrHostName            = &Error{Kind: KindHostName}
	ErrCertificateExpired  = &Error{Kind: KindCertificateExpired}
	ErrBadCertificate      = &Error{Kind: KindBadCertificate}
	ErrBadSignature        = &Error{Kind: KindBadSignature}
	ErrBadFinished         = &Error{Kind: KindBadFinished}
	ErrNoALPN              = &Error{Kind: KindNoALPN}
	ErrTruncated           = &Error{Kind: KindTruncated}
	ErrPeerAlert           = &Error{Kind: KindPeerAlert}
	ErrTimeout             = &Error{Kind: KindTimeout}
	ErrInternal            = &Error{Kind: KindInternal}
	ErrCertificateRequired = &Error{Kind: KindCertificateRequired}
	ErrHandshakeFailure    = &Error{Kind: KindHandshakeFailure}
)

// Alert is a TLS alert description (RFC 8446 section 6).
type Alert uint8

// Alert descriptions.
const (
	AlertCloseNotify            Alert = 0
	AlertUnexpectedMessage      Alert = 10
	AlertBadRecordMAC           Alert = 20
	AlertRecordOverflow         Alert = 22
	AlertHandshakeFailure       Alert = 40
	AlertBadCertificate         Alert = 42
	AlertUnsupportedCertificate Alert = 43
	AlertCertificateRevoked     Alert = 44
	AlertCertificateExpired     Alert = 45
	AlertCertificateUnknown     Alert = 46
	AlertIllegalParameter       Alert = 47
	AlertUnknownCA              Alert = 48
	AlertAccessDenied           Alert = 49
	AlertDecodeError            Alert = 50
	AlertDecryptError           Alert = 51
	AlertProtocolVersion        Alert = 70
	AlertInsufficientSecurity   Alert = 71
	AlertInternalError          Alert = 80
	AlertUserCanceled           Alert = 90
	AlertMissingExtension       Alert = 109
	AlertUnsupportedExtension   Alert = 110
	AlertUnrecognizedName       Alert = 112
	AlertCertificateRequired    Alert = 116
	AlertNoApplicationProtocol  Alert = 120
)

func (a Alert) String() string {
	switch a {
	case AlertCloseNotify:
		return "close_notify"
	case AlertUnexpectedMessage:
		return "unexpected_message"
	case AlertBadRecordMAC:
		return "bad_record_mac"
	case AlertRecordOverflow:
		return "record_overflow"
	case AlertHandshakeFailure:
		return "handshake_failure"
	case AlertBadCertificate:
		return "bad_certificate"
	case AlertCertificateExpired:
		return "certificate_expired"
	case AlertIllegalParameter:
		return "illegal_parameter"
	case AlertUnknownCA:
		return "unknown_ca"
	case AlertDecodeError:
		return "decode_error"
	case AlertDecryptError:
		return "decrypt_error"
	case AlertProtocolVersion:
		return "protocol_version"
	case AlertInternalError:
		return "internal_error"
	case AlertMissingExtension:
		return "missing_extension"
	case AlertUnsupportedExtension:
		return "unsupported_extension"
	case AlertNoApplicationProtocol:
		return "no_application_protocol"
	case AlertCertificateRequired:
		return "certificate_required"
	case AlertUnrecognizedName:
		return "unrecognized_name"
	}
	return "alert(" + strconv.Itoa(int(a)) + ")"
}

func newError(k Kind, a Alert, cause error) *Error { return &Error{Kind: k, Alert: a, Err: cause} }
