// The chaos proxies' HTTP control API, modelled on Toxiproxy 2.x so its clients and
// habits carry over (toxiproxy-cli, the Go/Ruby/Python clients, curl recipes):
//   GET    /version                      {"version": "..."}
//   GET    /proxies                      {name: proxy, ...}
//   POST   /proxies                      {name, listen, upstream, enabled?} -> 201 proxy
//   POST   /populate                     [proxy, ...] -> 201 {"proxies": [...]}
//   GET    /proxies/{proxy}              proxy
//   POST   /proxies/{proxy}              {enabled?, listen?, upstream?} -> 200 proxy
//   DELETE /proxies/{proxy}              204
//   GET    /proxies/{proxy}/toxics       [toxic, ...]
//   POST   /proxies/{proxy}/toxics       {name?, type, stream?, toxicity?, attributes} -> 200 toxic
//   GET    /proxies/{proxy}/toxics/{t}   toxic
//   POST   /proxies/{proxy}/toxics/{t}   {toxicity?, attributes} -> 200 toxic
//   DELETE /proxies/{proxy}/toxics/{t}   204
//   POST   /reset                        204: every proxy enabled, every toxic removed
// proxy = {name, listen, upstream, enabled, toxics}; toxic = {name, type, stream,
// toxicity, attributes}. Besides Toxiproxy's types, http_status (fakes/chaos_proxy.h):
// attributes status, first, after, duration (integers) and body (a string). Errors are Toxiproxy's {"error": "...", "status": N}: 400 bad
// JSON or field, 404 proxy/toxic not found, 409 proxy/toxic already exists.
// on_change(proxy) runs (on the HTTP thread) after every successful change made
// through the API, so the live world can mirror hand-made faults into its model.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

#include "fakes/chaos_proxy.h"

namespace failsim::fakes {

void install_toxiproxy_api(httplib::Server& server, ChaosProxies& proxies,
                           std::function<void(const std::string& proxy)> on_change = {});

}  // namespace failsim::fakes
