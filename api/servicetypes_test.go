package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/service"
)

// Every field of the service's types reaches the wire: a field added to
// one, filled in below by reflection, shows up as a difference.
func TestServiceTypesConvertWhole(t *testing.T) {
	var change service.ParameterChange
	var detail service.TaskDetail
	var rt service.RuntimeStatus
	var upload service.CertificateUpload
	for _, v := range []any{&change, &detail, &rt, &upload} {
		fill(reflect.ValueOf(v).Elem())
	}
	for _, c := range []struct {
		name      string
		from, got any
	}{
		{"ParameterChange", change, parameterChange(&change)},
		{"TaskDetail", detail, taskDetail(&detail)},
		{"RuntimeStatus", rt, runtimeOf(rt)},
		{"CertificateUpload", upload, streamplane.CertificateUpload(upload)},
	} {
		want, _ := json.Marshal(c.from)
		got, _ := json.Marshal(c.got)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the service writes\n%s\nthe API\n%s", c.name, want, got)
		}
	}
}

// fill sets every exported field of v to a value that is not zero.
func fill(v reflect.Value) {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)))
		return
	case v.Type() == reflect.TypeFor[json.RawMessage]():
		v.SetBytes([]byte(`{"a":1}`))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		key, elem := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(key)
		fill(elem)
		v.SetMapIndex(key, elem)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	}
}
