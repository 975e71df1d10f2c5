package hooks_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	yaml "github.com/oasdiff/yaml3"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/parleychat/parley/hooks"
)

const (
	asyncAPIPath = "../docs/asyncapi.yaml"
	protocolPath = "../docs/protocol.md"
	asyncAPIURL  = "file:///asyncapi.json"
)

// asyncAPI is docs/asyncapi.yaml as JSON values, with a schema compiler over
// it.
type asyncAPI struct {
	doc map[string]any
	c   *jsonschema.Compiler

	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema
}

func loadAsyncAPI(t *testing.T) *asyncAPI {
	t.Helper()
	data, err := os.ReadFile(asyncAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	var y any
	if err := yaml.Unmarshal(data, &y); err != nil {
		t.Fatalf("docs/asyncapi.yaml is not YAML: %v", err)
	}
	b, err := json.Marshal(y)
	if err != nil {
		t.Fatalf("docs/asyncapi.yaml is not JSON-compatible: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	doc, isObj := v.(map[string]any)
	if !isObj {
		t.Fatal("docs/asyncapi.yaml: not a mapping")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	if err := c.AddResource(asyncAPIURL, doc); err != nil {
		t.Fatal(err)
	}
	return &asyncAPI{doc: doc, c: c, schemas: map[string]*jsonschema.Schema{}}
}

// schema compiles the schema at a JSON pointer of the document.
func (a *asyncAPI) schema(t *testing.T, pointer string) *jsonschema.Schema {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, done := a.schemas[pointer]; done {
		return s
	}
	s, err := a.c.Compile(asyncAPIURL + "#" + pointer)
	if err != nil {
		t.Fatalf("compile %s: %v", pointer, err)
	}
	a.schemas[pointer] = s
	return s
}

// validate checks a JSON payload against the schema at pointer.
func (a *asyncAPI) validate(t *testing.T, pointer string, payload []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		t.Errorf("%s: payload is not JSON: %v", pointer, err)
		return
	}
	if err := a.schema(t, pointer).Validate(v); err != nil {
		t.Errorf("payload %s does not match %s: %v", payload, pointer, err)
	}
}

// get follows a path of keys from v (the document's root when v is nil).
func (a *asyncAPI) get(path ...string) any {
	return lookupPath(a.doc, path...)
}

func lookupPath(v any, path ...string) any {
	for _, k := range path {
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil
		}
		v = m[k]
	}
	return v
}

// resolve returns the target of a local $ref, nil when there is none.
func (a *asyncAPI) resolve(ref string) any {
	p, found := strings.CutPrefix(ref, "#/")
	if !found {
		return nil
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(parts[i], "~1", "/"), "~0", "~")
	}
	return a.get(parts...)
}

// protocolTables returns the first-column names (in backquotes) of the rows
// of every table of docs/protocol.md whose header is header.
func protocolTables(t *testing.T, header string) [][]string {
	t.Helper()
	f, err := os.Open(protocolPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var tables [][]string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.ReplaceAll(line, " ", "") == strings.ReplaceAll(header, " ", ""):
			in = true
			tables = append(tables, nil)
		case in && strings.HasPrefix(line, "| `"):
			name := strings.TrimPrefix(line, "| `")
			name = name[:strings.Index(name, "`")]
			tables[len(tables)-1] = append(tables[len(tables)-1], name)
		case in && strings.HasPrefix(line, "|"):
		default:
			in = false
		}
	}
	return tables
}

// TestAsyncAPIMatchesProtocol keeps docs/asyncapi.yaml, docs/protocol.md and
// the RPC command table in step.
func TestAsyncAPIMatchesProtocol(t *testing.T) {
	a := loadAsyncAPI(t)
	if a.get("asyncapi") != "3.0.0" {
		t.Errorf("asyncapi: %v", a.get("asyncapi"))
	}
	for _, s := range []string{"mqtt", "mqtts", "ws"} {
		if a.get("servers", s, "host") == nil {
			t.Errorf("server %s missing", s)
		}
	}
	if a.get("components", "securitySchemes", "token", "type") != "userPassword" {
		t.Error("security scheme token is not userPassword")
	}

	// Every local $ref resolves.
	refs := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, isRef := v["$ref"].(string); isRef {
				refs++
				if a.resolve(r) == nil {
					t.Errorf("%s: $ref %s does not resolve", path, r)
				}
			}
			for k, e := range v {
				walk(path+"/"+k, e)
			}
		case []any:
			for _, e := range v {
				walk(path+"/[]", e)
			}
		}
	}
	walk("", a.doc)
	if refs < 100 {
		t.Errorf("only %d $refs: the walk is broken", refs)
	}

	// The event types of protocol.md's two event tables (channel events,
	// user events) are the messages of the matching channels.
	tables := protocolTables(t, "| type | payload | when |")
	if len(tables) != 2 || len(tables[0]) < 10 || len(tables[1]) < 8 {
		t.Fatalf("protocol.md event tables: %v", tables)
	}
	eventTypes := func(channels ...string) []string {
		var out []string
		for _, ch := range channels {
			msgs, _ := a.get("channels", ch, "messages").(map[string]any)
			for _, m := range msgs {
				ref, _ := lookupPath(m, "$ref").(string)
				if typ, _ := lookupPath(a.resolve(ref), "payload", "properties", "type", "const").(string); typ != "" {
					out = append(out, typ)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	for i, chans := range [][]string{{"channelMessages", "channelEvents"}, {"userEvents"}} {
		want := slices.Clone(tables[i])
		slices.Sort(want)
		if got := eventTypes(chans...); !slices.Equal(got, want) {
			t.Errorf("events of %v: asyncapi %v, protocol.md %v", chans, got, want)
		}
	}

	// The RPC commands: protocol.md's table, hooks.Commands, the command
	// parameter, and one operation with request and reply per command.
	cmdTables := protocolTables(t, "| command | arguments | result |")
	if len(cmdTables) != 1 {
		t.Fatalf("protocol.md command tables: %v", cmdTables)
	}
	if !slices.Equal(cmdTables[0], hooks.Commands()) {
		t.Errorf("protocol.md commands %v, hooks.Commands %v", cmdTables[0], hooks.Commands())
	}
	var enum []string
	for _, e := range a.get("components", "parameters", "command", "enum").([]any) {
		enum = append(enum, e.(string))
	}
	if !slices.Equal(enum, hooks.Commands()) {
		t.Errorf("command parameter enum %v", enum)
	}
	for _, cmd := range hooks.Commands() {
		op := "rpc" + strings.ToUpper(cmd[:1]) + cmd[1:]
		if a.get("operations", op, "action") != "send" ||
			a.get("operations", op, "reply", "channel", "$ref") != "#/channels/userRpc" {
			t.Errorf("operation %s missing or without a reply", op)
		}
		for _, m := range []string{cmd + "Request", cmd + "Reply"} {
			if a.get("components", "messages", m, "payload") == nil {
				t.Errorf("message %s missing", m)
			}
		}
	}
}

// TestAsyncAPIExamples checks every message example against its payload
// schema, and that the schemas can fail.
func TestAsyncAPIExamples(t *testing.T) {
	a := loadAsyncAPI(t)
	msgs := a.get("components", "messages").(map[string]any)
	n := 0
	for key, m := range msgs {
		examples, _ := lookupPath(m, "examples").([]any)
		if len(examples) == 0 {
			t.Errorf("message %s has no example", key)
		}
		for _, ex := range examples {
			b, err := json.Marshal(lookupPath(ex, "payload"))
			if err != nil {
				t.Fatal(err)
			}
			a.validate(t, "/components/messages/"+key+"/payload", b)
			n++
		}
	}
	if n < 80 {
		t.Errorf("only %d examples checked", n)
	}
	// The schemas are strict enough to catch a drift.
	bad := map[string]string{
		"messageAdded":       `{"type":"messageAdded","service_sid":"IS5a7b0c1d2e3f405162738495a6b7c8d9","time":"2026-11-22T02:51:00.123Z"}`,
		"typingStarted":      `{"type":"typingEnded","service_sid":"IS5a7b0c1d2e3f405162738495a6b7c8d9","channel_sid":"CH0f1e2d3c4b5a69788796a5b4c3d2e1f0","time":"2026-11-22T02:51:00.123Z","identity":"bob","timeout":5}`,
		"sendMessageRequest": `{"channel":"general","body":"x","colour":"red"}`,
		"getChannelReply":    `{"ok":true,"result":{"sid":"CH0"}}`,
		"sessionReply":       `{"ok":false,"error":{"code":"x","message":"m","status":400}}`,
	}
	for key, payload := range bad {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		if a.schema(t, "/components/messages/"+key+"/payload").Validate(v) == nil {
			t.Errorf("%s accepted %s", key, payload)
		}
	}
}
