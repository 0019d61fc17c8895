package parse

import "testing"

// TestBodyOperationWhole: an operationName that is not a GraphQL name is
// dropped whole, as the query parameter and the field are; hand-written
// bodies in the three escapings of TestGraphQLOperation.
func TestBodyOperationWhole(t *testing.T) {
	for body, want := range map[string]string{
		`{"operationName":"Get-Invoice","query":"..."}`:    "",
		`{"operationName":"GetInvoice v2"}`:                "",
		`{\"operationName\":\"List.Invoices\"}`:            "",
		`{\x22operationName\x22:\x22Get$Invoice\x22}`:      "",
		`{"operationName":GetInvoice}`:                     "",
		`{"operationName":"GetInvoice"}`:                   "GetInvoice",
		`{\"operationName\": \"GetInvoice\"}`:              "GetInvoice",
		`{\x22operationName\x22:\x22Get_Invoice2\x22}`:     "Get_Invoice2",
		`{"operationName": "SlowReport", "variables": {}}`: "SlowReport",
	} {
		if got := string(BodyOperation([]byte(body))); got != want {
			t.Errorf("BodyOperation(%s) = %q, want %q", body, got, want)
		}
	}
}
