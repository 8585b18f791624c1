package api_test

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"

	"healthcms/auth"
)

// TestMain makes the suite spend its time on what it tests. Every env
// creates and logs in six users, so passwords are hashed cheaply. And
// tests mostly wait for their databases rather than compute, so unless
// -parallel is given, four times as many run at once as there are CPUs
// (go test's default is as many).
func TestMain(m *testing.M) {
	auth.UseCheapHashingForTests()
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0))); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
