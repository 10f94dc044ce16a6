// CloudFront Function (cloudfront-js-2.0, viewer request) on the site's default behaviour.
// Pretty URLs get their page shell, as the local server does. PAGE_SHELLS must equal
// PAGE_SHELLS in functions/coderef/api/static.py; tests/infra checks both, and that
// template.yaml inlines this file unchanged.
var PAGE_SHELLS = {"/code/": "code.html", "/jobs/": "job.html"};

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  for (var prefix in PAGE_SHELLS) {
    if (uri.startsWith(prefix)) {
      request.uri = "/" + PAGE_SHELLS[prefix];
      return request;
    }
  }
  if (uri.endsWith("/")) {
    request.uri = uri + "index.html";
  }
  return request;
}
