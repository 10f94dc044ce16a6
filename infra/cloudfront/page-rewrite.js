// CloudFront Function (cloudfront-js-2.0, viewer request) on the site's default behaviour.
// Maps addresses to the files `coderef publish` writes: /code/icd10cm/r001 to
// /code/icd10cm/R00.1.html (any case, with or without the dot, as the local server accepts),
// /login to /login.html and /help/ to /help/index.html. The job board (/jobs) and job pages
// (/jobs/{id}) never get here: their own behaviours send them to JobsFunction, which renders
// them per request (nothing is published for them). tests/infra runs it under node and
// checks that template.yaml inlines this file unchanged.
function canonicalCode(system, code) {
  code = code.toUpperCase();
  if (system === "icd10cm" && code.length > 3 && code.indexOf(".") < 0 && code.indexOf("-") < 0) {
    code = code.slice(0, 3) + "." + code.slice(3);
  }
  return code;
}

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var code = uri.match(/^\/code\/([A-Za-z0-9]+)\/([A-Za-z0-9.-]+)\/?$/);
  if (code) {
    var system = code[1].toLowerCase();
    request.uri = "/code/" + system + "/" + canonicalCode(system, code[2]) + ".html";
    return request;
  }
  if (uri.endsWith("/")) {
    request.uri = uri + "index.html";
    return request;
  }
  var name = uri.slice(uri.lastIndexOf("/") + 1);
  if (name.indexOf(".") < 0) {
    request.uri = uri + ".html";
  }
  return request;
}
