// A program outside the source tree that finds an installed dcimanager with pkg-config or
// CMake, and runs the flow against $DCI_URL (trusting $DCI_CA).
#include <cstdio>
#include <cstdlib>

#include <dcimanager.hpp>

int main() {
    try {
        dci::Client c(std::getenv("DCI_URL"));
        c.set_ca_file(std::getenv("DCI_CA"));
        dci::LoginInfo me = c.login("admin@example.com", "secret");
        std::string server = c.get("dci/v3/server/2");
        c.logout();
        bool ok = server.find("srv2.example.com") != std::string::npos && me.user_id == "3";
        std::printf("consumer (dcimanager %s): %d passed, %d failed\n", dci_version(), ok ? 1 : 0, ok ? 0 : 1);
        return ok ? 0 : 1;
    } catch (const dci::Error &e) {
        std::fprintf(stderr, "consumer: %s\n", e.what());
        return 1;
    }
}
