// The peer users pick for forwarding in Go LLM routers (llama-swap and the like): the standard
// library's reverse proxy, flushing every write (FlushInterval -1) over a keep-alive transport.
// Built and run by scripts/bench.sh as a column beside Switchyard:
//   go-peer LISTEN_PORT UPSTREAM_URL
package main

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
)

func main() {
	upstream, err := url.Parse(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.FlushInterval = -1
	proxy.Transport = &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, DisableCompression: true}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Args[1], proxy))
}
