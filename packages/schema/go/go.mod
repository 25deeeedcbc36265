module github.com/omni-webhooks/omni-webhooks/packages/schema/go

go 1.19
