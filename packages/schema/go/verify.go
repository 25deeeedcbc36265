package omniwebhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// VerifySecret reports whether got equals one of secrets (several during a rotation). It compares
// SHA-256 digests in constant time and compares every secret, so neither the content nor the length
// of a secret leaks through timing. Empty strings never match.
func VerifySecret(got string, secrets []string) bool {
	if got == "" {
		return false
	}
	digest := sha256.Sum256([]byte(got))
	matched := 0
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		expected := sha256.Sum256([]byte(secret))
		matched |= subtle.ConstantTimeCompare(digest[:], expected[:])
	}
	return matched == 1
}

// The Standard Webhooks headers.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// SignatureTolerance is the accepted clock difference, both ways, between sender and receiver.
const SignatureTolerance = 5 * time.Minute

// The reasons VerifySignature refuses a delivery; test them with errors.Is.
var (
	ErrMissingHeaders   = errors.New("omniwebhooks: missing signature header(s)")
	ErrInvalidTimestamp = errors.New("omniwebhooks: webhook-timestamp must be unix seconds")
	ErrTimestampTooOld  = errors.New("omniwebhooks: webhook-timestamp is too old")
	ErrTimestampTooNew  = errors.New("omniwebhooks: webhook-timestamp is in the future")
	ErrInvalidSignature = errors.New("omniwebhooks: no signature matches the body and the key(s)")
	ErrInvalidKey       = errors.New("omniwebhooks: invalid signing key")
)

const signingKeyPrefix = "whsec_"

var unixSeconds = regexp.MustCompile(`^[0-9]{1,15}$`)

// VerifySignature checks Standard Webhooks v1 headers (webhook-id, webhook-timestamp,
// webhook-signature) against the exact body bytes: one v1 signature made with any of keys (rotation)
// and a timestamp within SignatureTolerance of now, in either direction. Keys are `whsec_` followed
// by the base64 key; any other key is used as its UTF-8 bytes.
func VerifySignature(header http.Header, body []byte, keys []string) error {
	return VerifySignatureAt(header, body, keys, time.Now())
}

// VerifySignatureAt is VerifySignature with the current time given.
func VerifySignatureAt(header http.Header, body []byte, keys []string, now time.Time) error {
	id := headerValue(header, HeaderWebhookID)
	rawTimestamp := headerValue(header, HeaderWebhookTimestamp)
	signatures := headerValue(header, HeaderWebhookSignature)
	var missing []string
	for _, h := range [][2]string{{HeaderWebhookID, id}, {HeaderWebhookTimestamp, rawTimestamp}, {HeaderWebhookSignature, signatures}} {
		if h[1] == "" {
			missing = append(missing, h[0])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissingHeaders, strings.Join(missing, ", "))
	}
	if !unixSeconds.MatchString(rawTimestamp) {
		return ErrInvalidTimestamp
	}
	timestamp, _ := strconv.ParseInt(rawTimestamp, 10, 64)
	tolerance := int64(SignatureTolerance / time.Second)
	if now.Unix()-timestamp > tolerance {
		return ErrTimestampTooOld
	}
	if timestamp-now.Unix() > tolerance {
		return ErrTimestampTooNew
	}
	// compared as sent, like the reference libraries: a decoder that ignores the unused bits of the
	// last character or a missing padding would let other strings through
	var candidates [][]byte
	for _, entry := range strings.Fields(signatures) {
		parts := strings.Split(strings.TrimRight(entry, ","), ",")
		if len(parts) != 2 || parts[0] != "v1" {
			continue
		}
		candidates = append(candidates, []byte(parts[1]))
	}
	matched := false
	for _, key := range keys {
		if key == "" {
			continue
		}
		secret, err := signingKey(key)
		if err != nil {
			return err
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
		mac.Write(body)
		expected := []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		for _, candidate := range candidates {
			// every candidate is compared: hmac.Equal is constant time, and no early exit
			matched = hmac.Equal(candidate, expected) || matched
		}
	}
	if !matched {
		return ErrInvalidSignature
	}
	return nil
}

// headerValue joins every value of a header, its name in any case: net/http canonicalizes the names it
// receives, a header built by hand may not
func headerValue(header http.Header, name string) string {
	var values []string
	for key, list := range header {
		if strings.EqualFold(key, name) {
			values = append(values, list...)
		}
	}
	return strings.Join(values, " ")
}

func signingKey(key string) ([]byte, error) {
	if !strings.HasPrefix(key, signingKeyPrefix) {
		return []byte(key), nil
	}
	decoded, err := decodeBase64(strings.TrimPrefix(key, signingKeyPrefix))
	if err != nil || len(decoded) == 0 {
		return nil, fmt.Errorf("%w: a whsec_ key must carry a base64 key", ErrInvalidKey)
	}
	return decoded, nil
}

func decodeBase64(value string) ([]byte, error) {
	if decoded, err := base64.StdEncoding.DecodeString(value); err == nil {
		return decoded, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(value, "="))
}
