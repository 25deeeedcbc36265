package omniwebhooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"
)

// the cases @omni-webhooks/schema's tests export (OMNI_KIT_CASES) are parsed in both modes and the
// verdicts written to OMNI_KIT_REPORT, where the TypeScript side compares them with zod's

type kitCase struct {
	ID   string `json:"id"`
	Body string `json:"body"`
}

type signatureCase struct {
	ID      string      `json:"id"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
	Keys    []string    `json:"keys"`
	Now     int64       `json:"now"`
}

type secretCase struct {
	ID      string   `json:"id"`
	Got     string   `json:"got"`
	Secrets []string `json:"secrets"`
}

type parseVerdict struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	Type    string `json:"type"`
	Unknown bool   `json:"unknown,omitempty"`
	JSON    string `json:"json,omitempty"`
}

type caseResult struct {
	ID      string       `json:"id"`
	Lenient parseVerdict `json:"lenient"`
	Strict  parseVerdict `json:"strict"`
}

type signatureResult struct {
	ID    string `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func verdict(event Event, err error) parseVerdict {
	if err != nil {
		return parseVerdict{Error: err.Error()}
	}
	out, err := json.Marshal(event)
	if err != nil {
		return parseVerdict{Error: "marshal: " + err.Error()}
	}
	_, unknown := event.(*UnknownEvent)
	return parseVerdict{OK: true, Type: event.EventType(), Unknown: unknown, JSON: string(out)}
}

func TestExportedCases(t *testing.T) {
	path, reportPath := os.Getenv("OMNI_KIT_CASES"), os.Getenv("OMNI_KIT_REPORT")
	if path == "" || reportPath == "" {
		t.Skip("OMNI_KIT_CASES and OMNI_KIT_REPORT name the case and report files; @omni-webhooks/schema's tests set them")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var input struct {
		Cases      []kitCase       `json:"cases"`
		Signatures []signatureCase `json:"signatures"`
		Secrets    []secretCase    `json:"secrets"`
	}
	if err := json.Unmarshal(data, &input); err != nil {
		t.Fatal(err)
	}
	report := struct {
		Runtime    string            `json:"runtime"`
		Cases      []caseResult      `json:"cases"`
		Signatures []signatureResult `json:"signatures"`
		Secrets    []signatureResult `json:"secrets"`
	}{Runtime: runtime.Version(), Cases: []caseResult{}, Signatures: []signatureResult{}, Secrets: []signatureResult{}}
	for _, c := range input.Cases {
		lenient := verdict(ParseEvent([]byte(c.Body)))
		strict := verdict(ParseEventStrict([]byte(c.Body)))
		report.Cases = append(report.Cases, caseResult{ID: c.ID, Lenient: lenient, Strict: strict})
	}
	for _, c := range input.Signatures {
		err := VerifySignatureAt(c.Headers, []byte(c.Body), c.Keys, time.Unix(c.Now, 0))
		result := signatureResult{ID: c.ID, OK: err == nil}
		if err != nil {
			result.Error = err.Error()
		}
		report.Signatures = append(report.Signatures, result)
	}
	for _, c := range input.Secrets {
		report.Secrets = append(report.Secrets, signatureResult{ID: c.ID, OK: VerifySecret(c.Got, c.Secrets)})
	}
	out, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(reportPath, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// the rest runs without the exported cases too

const leadCreated = `{"event":"lead.created","data":{"leadId":"l1","firstName":null,"source":"carrier-pigeon","newField":[1]}}`

func TestLenientKeepsWhatItDoesNotKnow(t *testing.T) {
	event, err := ParseEvent([]byte(leadCreated))
	if err != nil {
		t.Fatal(err)
	}
	lead, ok := event.(*LeadCreatedEvent)
	if !ok || lead.Data.LeadID != "l1" || lead.Data.FirstName != nil || *lead.Data.Source != LeadSource("carrier-pigeon") {
		t.Fatalf("unexpected event %#v", event)
	}
	if string(lead.Data.Extra["newField"]) != "[1]" {
		t.Fatalf("unknown field lost: %v", lead.Data.Extra)
	}
	out, _ := json.Marshal(lead)
	if string(out) != leadCreated {
		t.Fatalf("round trip changed the event:\n%s\n%s", out, leadCreated)
	}
	if _, err := ParseEventStrict([]byte(leadCreated)); err == nil {
		t.Fatal("strict parsing accepted an unknown field and enum value")
	}
	unknown, err := ParseEvent([]byte(`{"event":"lead.deleted","data":{}}`))
	if err != nil || unknown.EventType() != "lead.deleted" {
		t.Fatalf("unknown event: %v %v", unknown, err)
	}
	if _, ok := unknown.(*UnknownEvent); !ok {
		t.Fatalf("expected *UnknownEvent, got %T", unknown)
	}
	var invalid *ValidationError
	if _, err := ParseEvent([]byte(`{"event":"lead.created","data":{}}`)); !errors.As(err, &invalid) {
		t.Fatalf("a missing leadId must be refused, got %v", err)
	}
}

func TestVerifySecret(t *testing.T) {
	if !VerifySecret("s2", []string{"s1", "s2"}) || VerifySecret("s3", []string{"s1", "s2"}) {
		t.Fatal("rotation")
	}
	if VerifySecret("", []string{""}) || VerifySecret("x", nil) {
		t.Fatal("empty secrets never match")
	}
}

func TestVerifySignatureRefusesStaleTimestamps(t *testing.T) {
	header := http.Header{}
	header.Set(HeaderWebhookID, "msg_1")
	header.Set(HeaderWebhookTimestamp, "1000")
	header.Set(HeaderWebhookSignature, "v1,AAAA")
	now := time.Unix(1000, 0)
	if err := VerifySignatureAt(header, nil, []string{"k"}, now.Add(301*time.Second)); !errors.Is(err, ErrTimestampTooOld) {
		t.Fatalf("got %v", err)
	}
	if err := VerifySignatureAt(header, nil, []string{"k"}, now.Add(-301*time.Second)); !errors.Is(err, ErrTimestampTooNew) {
		t.Fatalf("got %v", err)
	}
	if err := VerifySignatureAt(header, nil, []string{"k"}, now); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("got %v", err)
	}
	if err := VerifySignatureAt(http.Header{}, nil, []string{"k"}, now); !errors.Is(err, ErrMissingHeaders) {
		t.Fatalf("got %v", err)
	}
}
