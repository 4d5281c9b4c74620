package tomlfile

import (
	"errors"
	"testing"
)

// locatorDoc's line numbers are pinned by TestLocatorLine.
const locatorDoc = `a = 1
# commented = 2

[t]
k = "v"
  indented = true

[[arr]]
k = 1

[[arr]]
other = 2
k = 2

[x]
[[x.y]]
z = 3
`

func TestLocatorLine(t *testing.T) {
	t.Parallel()
	loc := NewLocator([]byte(locatorDoc))
	tests := []struct {
		path string
		want int
	}{
		{path: "a", want: 1},
		{path: "t", want: 4},
		{path: "t.k", want: 5},
		{path: "t.indented", want: 6},
		{path: "arr", want: 8},       // the first [[arr]]
		{path: "arr[0]", want: 8},    //
		{path: "arr[1]", want: 11},   //
		{path: "arr[0].k", want: 9},  //
		{path: "arr[1].k", want: 13}, // not the first k
		{path: "arr.k", want: 9},     // no index: the first occurrence
		{path: "arr[1].other", want: 12},
		{path: "arr.other", want: 12},   // first occurrence is in arr[1]
		{path: "arr[0].other", want: 8}, // missing key: its table's header
		{path: "arr[5].k", want: 8},     // missing element: the array's first header
		{path: "x", want: 15},
		{path: "x.y", want: 16},
		{path: "x.y[0]", want: 16},
		{path: "x.y[0].z", want: 17},
		{path: "x.y.z", want: 17},
		{path: "t.missing", want: 4}, // nearest enclosing table
		{path: "t.missing.deeper", want: 4},
		{path: "commented", want: 0}, // comments are not keys
		{path: "missing", want: 0},   // nothing encloses it
		{path: "nope.deep[3].key", want: 0},
		{path: "", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			if got := loc.Line(tt.path); got != tt.want {
				t.Errorf("Line(%q) = %d, want %d", tt.path, got, tt.want)
			}
		})
	}
}

func TestZeroLocator(t *testing.T) {
	t.Parallel()
	var loc Locator
	for _, path := range []string{"a", "steps[0].kind", ""} {
		if got := loc.Line(path); got != 0 {
			t.Errorf("Locator{}.Line(%q) = %d, want 0", path, got)
		}
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  Error
		want string
	}{
		{name: "everything", err: Error{File: "x.toml", Line: 3, Field: "steps[0].kind", Msg: "unknown key"}, want: "x.toml:3: steps[0].kind: unknown key"},
		{name: "no line", err: Error{File: "x.toml", Field: "name", Msg: "is required"}, want: "x.toml: name: is required"},
		{name: "no field", err: Error{File: "x.toml", Line: 7, Msg: "bad"}, want: "x.toml:7: bad"},
		{name: "file only", err: Error{File: "x.toml", Msg: "bad"}, want: "x.toml: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

type testConfig struct {
	Name  string              `toml:"name"`
	Port  int                 `toml:"port"`
	Ratio float64             `toml:"ratio"`
	Tags  map[string][]string `toml:"tags"`
	Inner struct {
		Host   string `toml:"host"`
		Secure bool   `toml:"secure"`
	} `toml:"inner"`
	Items []struct {
		ID     string   `toml:"id"`
		Labels []string `toml:"labels"`
	} `toml:"items"`
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		wantErr string
	}{
		{
			name: "valid",
			text: "name = \"n\"\nport = 993\n\n[inner]\nhost = \"h\"\n\n[[items]]\nid = \"a\"\n\n[tags]\nb = [\"y\"]\n",
		},
		{
			name: "valid, a map inline",
			text: "name = \"n\"\nport = 993\ntags = { a = [\"x\"] }\n[inner]\nhost = \"h\"\n\n[[items]]\nid = \"a\"\n",
		},
		{
			name:    "unknown top-level key",
			text:    "name = \"n\"\nprot = 993\n",
			wantErr: "c.toml:2: prot: unknown key",
		},
		{
			name:    "unknown keys in a table and an array of tables, in file order",
			text:    "name = \"n\"\n\n[inner]\nhost = \"h\"\nhots = \"h\"\n\n[[items]]\nid = \"a\"\n\n[[items]]\nid = \"b\"\nlabel = \"B\"\n",
			wantErr: "c.toml:5: inner.hots: unknown key\nc.toml:12: items[1].label: unknown key",
		},
		{
			name:    "unknown table",
			text:    "name = \"n\"\n\n[extra]\n",
			wantErr: "c.toml:3: extra: unknown key",
		},
		{
			name:    "syntax error",
			text:    "name = \"n\"\n\n[inner]\nhost = h\n",
			wantErr: "c.toml:4: inner.host: expected value but found \"h\" instead",
		},
		{
			name:    "bad table header",
			text:    "name = \"n\"\n[in ner]\nhost = \"h\"\n",
			wantErr: "c.toml:2: expected '.' or ']' to end table name, but got 'n' instead",
		},
		{
			name:    "key defined twice",
			text:    "name = \"n\"\nname = \"m\"\n",
			wantErr: "c.toml:2: name: Key 'name' has already been defined.",
		},
		{
			// The TOML library drops it without an error.
			name:    "a list for a map",
			text:    "name = \"n\"\ntags = [\"x\"]\n",
			wantErr: "c.toml:2: tags: must be a table, not a list",
		},
		{
			// The TOML library would fill name from one of them, in map order.
			name:    "a key in another case",
			text:    "name = \"n\"\n[inner]\nHOST = \"h\"\n",
			wantErr: "c.toml:3: inner.HOST: unknown key (keys are case-sensitive)",
		},
		{
			name:    "integer out of range",
			text:    "name = \"n\"\nport = 99999999999999999999\n",
			wantErr: "c.toml:2: port: 99999999999999999999 is out of range for int64",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cfg testConfig
			err := Decode("c.toml", []byte(tt.text), &cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Decode() error = %v", err)
				}
				if cfg.Name != "n" || cfg.Port != 993 || cfg.Inner.Host != "h" || len(cfg.Items) != 1 || cfg.Items[0].ID != "a" {
					t.Errorf("Decode() = %+v, want every field set", cfg)
				}
				return
			}
			if err == nil {
				t.Fatalf("Decode() = nil, want %q", tt.wantErr)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Decode() error =\n%s\nwant\n%s", err, tt.wantErr)
			}
			var te *Error
			if !errors.As(err, &te) || te.File != "c.toml" || te.Line == 0 {
				t.Errorf("Decode() error %#v, want a located *Error for c.toml", err)
			}
		})
	}
}

// TestDecodeTypeMismatch checks that a value of the wrong type is reported
// at its own line and element: the TOML library reports type mismatches as
// plain errors placed at the last occurrence of the key, which is wrong for
// an earlier [[array]] element, so Decode places them itself.
func TestDecodeTypeMismatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		wantErr string
	}{
		{
			name:    "top-level key",
			text:    "name = \"n\"\nport = \"x\"\n",
			wantErr: `c.toml:2: port: must be a whole number, not a string`,
		},
		{
			name:    "the wrong one of several array elements",
			text:    "name = \"n\"\n[[items]]\nid = \"a\"\n[[items]]\nid = 7\n[[items]]\nid = \"c\"\n",
			wantErr: `c.toml:5: items[1].id: must be a string, not a whole number`,
		},
		{
			name:    "a list in the wrong one of several array elements",
			text:    "name = \"n\"\n[[items]]\nid = \"a\"\n[[items]]\nid = [\"b\"]\n[[items]]\nid = \"c\"\n",
			wantErr: `c.toml:5: items[1].id: must be a string, not a list`,
		},
		{
			name:    "a table in the wrong one of several array elements",
			text:    "name = \"n\"\n[[items]]\nid = \"a\"\n[[items]]\nid = { b = 1 }\n",
			wantErr: `c.toml:5: items[1].id: must be a string, not a table`,
		},
		{
			name:    "a string for a list",
			text:    "[[items]]\nid = \"a\"\n[[items]]\nid = \"b\"\nlabels = \"x\"\n",
			wantErr: `c.toml:5: items[1].labels: must be a list, not a string`,
		},
		{
			name:    "a string for true or false",
			text:    "[inner]\nhost = \"h\"\nsecure = \"yes\"\n",
			wantErr: `c.toml:3: inner.secure: must be true or false, not a string`,
		},
		{
			name:    "a string for a number",
			text:    "name = \"n\"\nratio = \"half\"\n",
			wantErr: `c.toml:2: ratio: must be a number, not a string`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cfg testConfig
			err := Decode("c.toml", []byte(tt.text), &cfg)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Decode() error = %v, want %q", err, tt.wantErr)
			}
			var te *Error
			if !errors.As(err, &te) || te.File != "c.toml" {
				t.Errorf("Decode() error %#v, want an *Error for c.toml", err)
			}
		})
	}
}
