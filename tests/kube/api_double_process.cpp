#include "tests/kube/api_double_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace xgslb::test {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void run(const std::string& cmd) {
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

// Once per test binary: EC keys keep generation fast.
std::string make_certs() {
    char tmpl[] = "/tmp/xgslb-kube-certs-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    const std::string d = tmpl;
    static std::string to_remove = d;
    std::atexit([] { std::filesystem::remove_all(to_remove); });
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    run("cd " + d + " && openssl req -x509" + ec + "-keyout ca.key -out ca.crt -days 2 -subj /CN=xgslb-test-ca 2>/dev/null");
    run("cd " + d + " && openssl req -x509" + ec + "-keyout other-ca.key -out other-ca.crt -days 2 -subj /CN=xgslb-test-ca 2>/dev/null");
    run("cd " + d + " && openssl req" + ec + "-keyout server.key -out server.csr -subj /CN=kube-apiserver 2>/dev/null");
    run("cd " + d + " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && openssl x509 -req -in server.csr -CA ca.crt "
        "-CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext 2>/dev/null");
    return d;
}

}  // namespace

const std::string& ApiDoubleProcess::cert_dir() {
    static const std::string dir = make_certs();
    return dir;
}

const std::string& ApiDoubleProcess::wrong_ca_pem() {
    static const std::string pem = slurp(cert_dir() + "/other-ca.crt");
    return pem;
}

ApiDoubleProcess::ApiDoubleProcess(ApiDoubleOptions options) {
    const std::string dir = cert_dir();
    port_file_ = dir + "/port-" + std::to_string(getpid()) + "-" + std::to_string(std::rand());
    std::vector<std::string> args = {"python3", XGSLB_API_DOUBLE, "--cert", dir + "/server.crt", "--key",
                                     dir + "/server.key", "--token", token_, "--port-file", port_file_,
                                     "--history", std::to_string(options.history), "--bookmark-interval",
                                     std::to_string(options.bookmark_interval)};
    for (const auto& o : options.objects) args.insert(args.end(), {"--objects", o});
    if (std::getenv("XGSLB_API_DOUBLE_VERBOSE")) args.push_back("--verbose");  // its request log, for debugging
    pid_ = fork();
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execvp("python3", argv.data());
        _exit(127);
    }
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (!eventually([&] { return access(port_file_.c_str(), R_OK) == 0; }, std::chrono::seconds(15)))
        throw std::runtime_error("the API double did not start");
    port_ = std::stoi(slurp(port_file_));
}

ApiDoubleProcess::~ApiDoubleProcess() {
    kill_now();
    unlink(port_file_.c_str());
}

void ApiDoubleProcess::kill_now() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
}

KubeConnection ApiDoubleProcess::connection() const {
    KubeConnection c;
    c.server = "https://127.0.0.1:" + std::to_string(port_);
    c.ca_pem = slurp(cert_dir() + "/ca.crt");
    c.token = token_;
    c.origin = "the test";
    return c;
}

nlohmann::json ApiDoubleProcess::control(const std::string& what, const nlohmann::json& body) const {
    KubeHttp http(connection(), KubeTimeouts{});
    auto r = body.is_null() ? http.request("GET", "/_control/" + what)
                            : http.request("POST", "/_control/" + what, body.dump());
    if (r.status >= 300) throw std::runtime_error("control " + what + ": " + std::to_string(r.status) + " " + r.body);
    return nlohmann::json::parse(r.body);
}

void ApiDoubleProcess::remove(const std::string& kind, const std::string& ns, const std::string& name) const {
    control("delete", {{"kind", kind}, {"namespace", ns}, {"name", name}});
}

std::map<std::string, std::map<std::string, nlohmann::json>> ApiDoubleProcess::objects() const {
    std::map<std::string, std::map<std::string, nlohmann::json>> out;
    const auto all = control("objects");  // kept alive: a range-for over a temporary's member dangles
    for (const auto& o : all["items"]) {
        const std::string kind = o["kind"];
        if (kind == "Lease") continue;  // not reflected
        out[kind][o["metadata"].value("namespace", "") + "/" + o["metadata"].value("name", "")] = o;
    }
    return out;
}

std::vector<nlohmann::json> ApiDoubleProcess::requests() const {
    auto r = control("requests");
    return {r.begin(), r.end()};
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

}  // namespace xgslb::test
