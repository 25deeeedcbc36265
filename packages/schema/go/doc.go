// Package omniwebhooks holds typed OmniAI webhook events, their parsing in the lenient mode a
// production receiver needs and the strict mode contract tests need, and the checks of the shared
// secret and of Standard Webhooks signatures.
//
// The event types, enum constants and embedded schemas are generated from the zod schemas of
// @omni-webhooks/schema (files ending in _gen.go); a test of that package fails when they drift.
package omniwebhooks
