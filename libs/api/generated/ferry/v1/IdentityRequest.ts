// Original file: proto/ferry/v1/jobs.proto


export interface IdentityRequest {
}

export interface IdentityRequest__Output {
}
