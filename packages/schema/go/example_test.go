package omniwebhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	omniwebhooks "github.com/omni-webhooks/omni-webhooks/packages/schema/go"
)

// the handler of the README's Go section
var signingKeys = []string{"whsec_" + base64.StdEncoding.EncodeToString([]byte("an example key, 32 bytes long!!!"))}

func fetch(url string) { fmt.Println("fetch", url) }

func handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := omniwebhooks.VerifySignature(r.Header, body, signingKeys); err != nil { // or VerifySecret(r.Header.Get("x-webhook-secret"), secrets)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	event, err := omniwebhooks.ParseEvent(body) // lenient; ParseEventStrict in contract tests
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if doc, ok := event.(*omniwebhooks.DocumentReceivedEvent); ok {
		fetch(doc.Document.SignedURL)
	}
	w.WriteHeader(http.StatusOK)
}

func Example() {
	body := `{"event":"document.received","workspaceId":"w1","document":{"id":"d1","leadId":"l1","filename":"a.pdf","signedUrl":"https://files.example/a.pdf"}}`
	timestamp := strconv.FormatInt(time.Now().Unix(), 10)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(signingKeys[0], "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("msg_1." + timestamp + "." + body))
	for _, signature := range []string{base64.StdEncoding.EncodeToString(mac.Sum(nil)), "AAAA"} {
		request := httptest.NewRequest(http.MethodPost, "/webhooks", strings.NewReader(body))
		request.Header.Set("webhook-id", "msg_1")
		request.Header.Set("webhook-timestamp", timestamp)
		request.Header.Set("webhook-signature", "v1,"+signature)
		response := httptest.NewRecorder()
		handle(response, request)
		fmt.Println(response.Code)
	}
	// Output:
	// fetch https://files.example/a.pdf
	// 200
	// 401
}
