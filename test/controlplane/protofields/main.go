// Command protofields prints, as JSON, what the Kubernetes protobuf schema
// does not say but Go's encoding/json does: for the API types the stand-in
// (sim/apiserver) decodes from protobuf, which fields Go embeds inline, which
// scalar fields keep a zero value in JSON (pointers, and fields without
// omitempty) and which structs are left out when zero (omitzero). It reads
// the types by reflection from the k8s.io/api release go.mod pins, so the
// table matches the generated.proto files copied beside it.
// Run by sim/apiserver/proto/update.sh.
package main

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

type message struct {
	Inline   []string `json:"inline,omitempty"`
	KeepZero []string `json:"keepZero,omitempty"`
	OmitZero []string `json:"omitZero,omitempty"`
}

var messages = map[string]*message{}
var seen = map[reflect.Type]bool{}

// protoName is the message's full name: go-to-protobuf names the package after the Go import path.
func protoName(t reflect.Type) string {
	return strings.ReplaceAll(t.PkgPath(), "/", ".") + "." + t.Name()
}

// fieldName is the name= of the protobuf tag, or go-to-protobuf's default (the Go name, first letter lowered).
func fieldName(f reflect.StructField) string {
	for _, part := range strings.Split(f.Tag.Get("protobuf"), ",") {
		if name, ok := strings.CutPrefix(part, "name="); ok {
			return name
		}
	}
	return strings.ToLower(f.Name[:1]) + f.Name[1:]
}

func visit(t reflect.Type) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	m := &message{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("protobuf") == "" {
			continue
		}
		opts := strings.Split(f.Tag.Get("json"), ",")
		name := fieldName(f)
		switch kind := f.Type.Kind(); {
		case opts[0] == "" && slices.Contains(opts[1:], "inline"):
			m.Inline = append(m.Inline, name)
		case slices.Contains(opts[1:], "omitzero"):
			m.OmitZero = append(m.OmitZero, name)
		case kind == reflect.Pointer && f.Type.Elem().Kind() != reflect.Struct,
			kind != reflect.Pointer && kind != reflect.Struct && kind != reflect.Slice && kind != reflect.Map && !slices.Contains(opts[1:], "omitempty"):
			m.KeepZero = append(m.KeepZero, name)
		}
		visit(f.Type)
	}
	if len(m.Inline)+len(m.KeepZero)+len(m.OmitZero) > 0 {
		messages[protoName(t)] = m
	}
}

func main() {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, autoscalingv1.AddToScheme, coordinationv1.AddToScheme, eventsv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	for _, t := range scheme.AllKnownTypes() {
		visit(t)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	if err := out.Encode(messages); err != nil {
		panic(err)
	}
}
