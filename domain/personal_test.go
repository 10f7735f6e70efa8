package domain_test

import (
	"reflect"
	"testing"

	"github.com/sharehub/sharehub/domain"
)

// Every event type with a PersonalData field must expose it for encryption: a new
// event carrying names or emails that forgot to would put them in the log in plain.
func TestEveryEventWithPersonalDataExposesIt(t *testing.T) {
	t.Parallel()
	pdType := reflect.TypeOf(domain.PersonalData{})
	for _, typ := range domain.EventTypes() {
		ev, err := domain.ZeroEvent(typ)
		if err != nil {
			t.Fatal(err)
		}
		rt := reflect.TypeOf(ev)
		carries := false
		for i := 0; i < rt.NumField(); i++ {
			carries = carries || rt.Field(i).Type == pdType
		}
		ptr := reflect.New(rt).Interface()
		_, exposes := ptr.(domain.PersonalDataHolder)
		if carries && !exposes {
			t.Errorf("%s carries PersonalData but does not implement PersonalDataHolder", typ)
		}
		if exposes {
			holder := ptr.(domain.PersonalDataHolder)
			if len(holder.PersonalDataFields()) == 0 {
				t.Errorf("%s exposes no fields", typ)
			}
		}
	}
}
