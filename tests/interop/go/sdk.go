// The AWS SDK for Go v2 of Debian 12's packages (golang-github-aws-aws-sdk-go-v2-dev) on a login that
// recro.aws_sso wrote (tests/interop/test_clients.py).
//
//	sdk identity PROFILE   the shared config's credentials of PROFILE, then STS GetCallerIdentity
//	sdk token SESSION      ssocreds.SSOTokenProvider on the session's token file (it refreshes an expired one)
//
// This SDK version predates AWS_ENDPOINT_URL_*: the program points its clients at the URLs those
// variables name. Config file and HOME come from the environment (AWS_CONFIG_FILE, HOME).
// Prints one line of JSON; exits 1 with the error on failure.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The variables of the SDKs that read them, by the SDK's service ID.
var endpointVariables = map[string]string{
	sts.ServiceID:     "AWS_ENDPOINT_URL_STS",
	sso.ServiceID:     "AWS_ENDPOINT_URL_SSO",
	ssooidc.ServiceID: "AWS_ENDPOINT_URL_SSO_OIDC",
}

func endpoint(service, region string, options ...interface{}) (aws.Endpoint, error) {
	if url := os.Getenv(endpointVariables[service]); url != "" {
		return aws.Endpoint{URL: url, SigningRegion: region}, nil
	}
	return aws.Endpoint{}, &aws.EndpointNotFoundError{}
}

func identity(ctx context.Context, profile string) (map[string]string, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(profile),
		config.WithEndpointResolverWithOptions(aws.EndpointResolverWithOptionsFunc(endpoint)))
	if err != nil {
		return nil, err
	}
	answer, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, err
	}
	return map[string]string{"Account": aws.ToString(answer.Account), "Arn": aws.ToString(answer.Arn)}, nil
}

func token(ctx context.Context, session string) (map[string]string, error) {
	path, err := ssocreds.StandardCachedTokenFilepath(session)
	if err != nil {
		return nil, err
	}
	client := ssooidc.New(ssooidc.Options{
		Region:           "us-east-1",
		EndpointResolver: ssooidc.EndpointResolverFromURL(os.Getenv(endpointVariables[ssooidc.ServiceID])),
	})
	bearer, err := ssocreds.NewSSOTokenProvider(client, path).RetrieveBearerToken(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{"expiration": bearer.Expires.UTC().Format(time.RFC3339)}, nil
}

func main() {
	ctx := context.Background()
	var result map[string]string
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "identity":
		result, err = identity(ctx, os.Args[2])
	case len(os.Args) == 3 && os.Args[1] == "token":
		result, err = token(ctx, os.Args[2])
	default:
		err = fmt.Errorf("usage: %s identity PROFILE | token SESSION", os.Args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	line, _ := json.Marshal(result)
	fmt.Println(string(line))
}
