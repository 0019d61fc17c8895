package event

// Temporary: replaced by the delivery API.

type Input uint8

const (
	InputCloudWatch Input = iota + 1
	InputKinesis
	InputPayload
	NumInputs
)

var inputNames = [NumInputs]string{"", "cloudwatch", "kinesis", "file"}

func (i Input) String() string { return inputNames[i] }

type Reason uint8

const (
	ReasonNone Reason = iota
	ReasonNotEvent
	ReasonBase64
	ReasonGzip
	ReasonJSON
	ReasonTooLarge
	NumReasons
)

var reasonNames = [NumReasons]string{"", "not_event", "base64", "gzip", "json", "too_large"}

func (r Reason) String() string { return reasonNames[r] }
