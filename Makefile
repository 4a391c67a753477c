## Targets mirror CI (.ci/run).
.PHONY: fmt lint test ci demo

## fmt: check formatting
fmt:
	cargo fmt --all --check

## lint: clippy with warnings denied
lint:
	cargo clippy --workspace --all-targets --locked -- -D warnings

## test: every test (no containers needed)
test:
	cargo test --workspace --locked

## ci: what CI runs
ci:
	bash .ci/run

## demo: the embedded demo
demo:
	cargo run --release -p statecraft-cli -- demo
