#include "userspace/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "userspace/error.h"
#include "userspace/zone_export.h"

namespace xgslb {
namespace {

std::shared_ptr<const ZoneView> view_with(const std::string& address) {
    return ZoneView::build(parse_config(R"(instance: t
zones:
  - zone: cloud.example.com
  - zone: example.org
dns:
  listen: ["10.77.0.2:53"]
records:
  - name: www.cloud.example.com
    a: [)" + address + R"(]
)",
                                        "test.yaml"));
}

// A fresh directory per test; the socket goes one level below, so its creation is exercised.
class ControlSocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xgslb-control-test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/run/t.sock";
    }
    void TearDown() override {
        unlink(path_.c_str());
        rmdir((dir_ + "/run").c_str());
        rmdir(dir_.c_str());
    }
    std::string dir_, path_;
};

TEST(ControlSocketReply, ZoneExportAllOneAndErrors) {
    const auto view = view_with("192.0.2.1");
    EXPECT_EQ(ControlSocket::reply("zone-export", *view), "ok\n" + export_zones(*view));
    EXPECT_EQ(ControlSocket::reply("  zone-export   Example.ORG. ", *view),
              "ok\n" + export_zone(find_zone_by_apex(*view, "example.org")));
    EXPECT_EQ(ControlSocket::reply("zone-export nope.example", *view),
              "error: no zone nope.example. is served (zones: cloud.example.com., example.org.)\n");
    EXPECT_EQ(ControlSocket::reply("zone-export a b", *view), "error: usage: zone-export [ZONE]\n");
    EXPECT_EQ(ControlSocket::reply("reboot", *view), "error: unknown command 'reboot' (commands: zone-export [ZONE], status)\n");
    EXPECT_EQ(ControlSocket::reply("", *view), "error: empty command (commands: zone-export [ZONE], status)\n");
}

TEST_F(ControlSocketTest, ServesTheCurrentViewAndCleansUp) {
    {
        ControlSocket control(path_, view_with("192.0.2.1"));
        struct stat st{};
        ASSERT_EQ(stat(path_.c_str(), &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        ASSERT_EQ(stat((dir_ + "/run").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0700u);

        EXPECT_NE(control_request(path_, "zone-export cloud.example.com").find("www.cloud.example.com. 30 IN A 192.0.2.1\n"),
                  std::string::npos);
        control.publish(view_with("192.0.2.2"));
        const std::string after = control_request(path_, "zone-export");
        EXPECT_NE(after.find("www.cloud.example.com. 30 IN A 192.0.2.2\n"), std::string::npos) << after;
        EXPECT_NE(after.find("; zone example.org.\n"), std::string::npos) << after;
        try {
            control_request(path_, "zone-export example.net");
            FAIL() << "no error";
        } catch (const Error& e) {
            EXPECT_STREQ(e.what(), "no zone example.net. is served (zones: cloud.example.com., example.org.)");
        }
    }
    struct stat st{};
    EXPECT_NE(stat(path_.c_str(), &st), 0) << "the socket is removed with the ControlSocket";
    try {
        control_request(path_, "zone-export");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("is xgslbd running"), std::string::npos) << e.what();
    }
}

TEST_F(ControlSocketTest, ReplacesAStaleSocketButNotAFile) {
    {
        // What a killed daemon leaves: a bound socket file nobody listens on.
        ASSERT_EQ(mkdir((dir_ + "/run").c_str(), 0700), 0);
        const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
        ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        close(fd);
    }
    {
        ControlSocket control(path_, view_with("192.0.2.1"));
        EXPECT_FALSE(control_request(path_, "zone-export").empty());
    }
    std::ofstream(path_) << "not a socket";
    EXPECT_THROW(ControlSocket(path_, view_with("192.0.2.1")), Error);
}

TEST_F(ControlSocketTest, AnOverlongOrUnterminatedCommandIsAnError) {
    ControlSocket control(path_, view_with("192.0.2.1"));
    try {
        control_request(path_, std::string(2000, 'x'));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("at most 1024 octets"), std::string::npos) << e.what();
    }
    // The thread is still serving.
    EXPECT_FALSE(control_request(path_, "zone-export").empty());
}

}  // namespace
}  // namespace xgslb
